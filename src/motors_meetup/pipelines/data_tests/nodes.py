"""Data tests (the ``dbt test`` counterpart): every check against the stored tables.

``data_test_results`` runs every check of :mod:`.checks` on the tables the warehouse
pipelines write, grades each by its configured severity, logs a compact report and
returns one row per check (appended to ``audit.data_test_results``).
``assert_no_failures`` then fails the run if any check FAILed — after the results
are saved, so a failing run still leaves its history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

import pandera.pyspark as pa
from pyspark.sql import DataFrame

from motors_meetup.contracts import all_contracts
from motors_meetup.pipelines.data_tests import checks as C
from motors_meetup.pipelines.data_tests.checks import CheckResult
from motors_meetup.pipelines.pbi.pipeline import PBI_TABLES

logger = logging.getLogger(__name__)

RESULTS_SCHEMA = (
    "run_at timestamp, check_type string, check string, table string, "
    "status string, failing_rows long, severity string, detail string"
)
STATUSES = ("PASS", "WARN", "FAIL")
NAME_WIDTH = 72
DETAIL_WIDTH = 160
MEMBERSHIPS = "intermediate.int_user_memberships_with_groups"


class DataTestsFailed(Exception):
    """At least one data test failed with severity ``error``."""


def data_test_results(
    data_tests: dict[str, Any], **tables: DataFrame
) -> tuple[DataFrame, DataFrame]:
    """Every data test on the stored tables; grain: one row per check.

    ``tables`` maps each stored table's dataset name (``<layer>.<table>``) to its
    DataFrame; ``data_tests`` holds ``depth`` (contract validation depth),
    ``severity`` and ``row_counts`` (chains of tables with equal row counts).
    Returns the results twice: to store, and to hand to :func:`assert_no_failures`.
    """
    run_at = datetime.now(timezone.utc)
    contracts = {n: m for n, m in all_contracts().items() if n in tables}
    # Each table is scanned by many checks (a contract alone runs one Spark job per
    # column check): cached, it is read from storage once.
    cached = {name: frame.persist() for name, frame in tables.items()}
    try:
        results = run_checks(cached, contracts, data_tests)
    finally:
        for frame in cached.values():
            frame.unpersist()
    severity = data_tests.get("severity") or {}
    rows = []
    for result in results:
        level = C.severity_of(result.check, severity)
        rows.append(
            (
                run_at,
                result.check_type,
                result.check,
                result.table,
                C.status_of(result.failing_rows, level),
                result.failing_rows,
                level,
                result.detail[: C.DETAIL_LENGTH],
            )
        )
    _log_report(rows)
    spark = next(iter(tables.values())).sparkSession
    results_frame = spark.createDataFrame(rows, RESULTS_SCHEMA)
    return results_frame, results_frame


def assert_no_failures(results: DataFrame) -> dict[str, int]:
    """Raise :class:`DataTestsFailed` listing the FAILed checks, else the totals."""
    rows = results.select("check", "status", "failing_rows").collect()
    totals = {status: 0 for status in STATUSES}
    for row in rows:
        totals[row["status"]] += 1
    failed = [row for row in rows if row["status"] == "FAIL"]
    if failed:
        listing = "\n".join(
            f"  - {row['check']} ({_rows(row['failing_rows'])} failing rows)"
            for row in failed
        )
        raise DataTestsFailed(
            f"{len(failed)} data test(s) failed (results appended to "
            f"audit.data_test_results):\n{listing}"
        )
    return totals


def run_checks(
    tables: Mapping[str, DataFrame],
    contracts: Mapping[str, type[pa.DataFrameModel]],
    config: Mapping[str, Any],
) -> list[CheckResult]:
    """Every check, in report order: contracts, keys, relationships, row counts,
    warnings. A check that cannot run (a missing table or column) is a failing
    result with the error as detail, so it never hides the other checks."""
    depth = str(config.get("depth", "SCHEMA_AND_DATA")).upper()
    counts = _RowCounts(tables)
    planned: list[tuple[str, str, str, Callable[[], CheckResult]]] = []

    def plan(kind: str, name: str, table: str, run: Callable[[], CheckResult]) -> None:
        planned.append((kind, name, table, run))

    plan(
        "contract",
        "contracts_declared",
        "*",
        lambda: C.contracts_declared(tables, contracts),
    )
    for dataset, model in contracts.items():
        plan(
            "contract",
            C.contract_name(dataset),
            dataset,
            _bind(C.contract_check, dataset, tables[dataset], model, depth),
        )
    for dataset, model in contracts.items():
        key = C.key_of(model)
        if key:
            plan(
                "unique_key",
                C.unique_key_name(dataset, key),
                dataset,
                _bind(C.unique_key_check, dataset, tables[dataset], key),
            )
    for dataset, column, parent, parent_column, nullable in C.relationships_of(
        contracts
    ):
        plan(
            "relationship",
            C.relationship_name(dataset, column, parent, parent_column),
            dataset,
            _bind(
                _relationship, tables, dataset, column, parent, parent_column, nullable
            ),
        )
    for chain in _count_chains(config):
        plan(
            "row_count",
            C.equal_row_counts_name(chain),
            chain[-1],
            _bind(lambda c: C.equal_row_counts({t: counts[t] for t in c}), chain),
        )
    for derivation in C.DERIVATIONS:
        plan(
            "row_count",
            derivation.check,
            derivation.table,
            _bind(_derived, tables, counts, derivation),
        )
    for dimension, (id_column, staged, referencing) in C.DIMENSIONS.items():
        plan(
            "row_count",
            C.dimension_row_count_name(dimension, staged),
            dimension,
            _bind(_dimension, tables, dimension, id_column, staged, referencing),
        )
    plan(
        "warning",
        "warning:join_before_group_creation",
        MEMBERSHIPS,
        lambda: C.join_before_group_creation(MEMBERSHIPS, tables[MEMBERSHIPS]),
    )
    for dataset in sorted(t for t in tables if t.endswith("_rejected")):
        plan(
            "warning",
            C.quarantined_records_name(dataset),
            dataset,
            _bind(C.quarantined_records, dataset, tables[dataset]),
        )
    return [_safely(*step) for step in planned]


class _RowCounts(dict):
    """Row counts of the stored tables, each counted once."""

    def __init__(self, tables: Mapping[str, DataFrame]) -> None:
        super().__init__()
        self._tables = tables

    def __missing__(self, dataset: str) -> int:
        self[dataset] = self._tables[dataset].count()
        return self[dataset]


def _count_chains(config: Mapping[str, Any]) -> list[list[str]]:
    """Configured chains of equal row counts, then each pbi table with its mart."""
    chains = [list(chain) for chain in (config.get("row_counts") or {}).values()]
    chains += [[f"marts.{mart}", f"pbi.{pbi}"] for pbi, mart in PBI_TABLES.items()]
    return chains


def _relationship(
    tables: Mapping[str, DataFrame],
    dataset: str,
    column: str,
    parent: str,
    parent_column: str,
    nullable: bool,
) -> CheckResult:
    return C.relationship_check(
        dataset,
        tables[dataset],
        column,
        parent,
        tables[parent],
        parent_column,
        nullable=nullable,
    )


def _derived(
    tables: Mapping[str, DataFrame], counts: _RowCounts, derivation: C.Derivation
) -> CheckResult:
    expected = derivation.rows(tables[derivation.source]).count()
    return C.derived_row_count(derivation, counts[derivation.table], expected)


def _dimension(
    tables: Mapping[str, DataFrame],
    dimension: str,
    id_column: str,
    staged: str,
    referencing: tuple[str, ...],
) -> CheckResult:
    return C.dimension_row_count(
        dimension,
        tables[dimension],
        id_column,
        staged,
        tables[staged],
        [tables[name] for name in referencing],
    )


def _bind(
    function: Callable[..., CheckResult], *args: Any
) -> Callable[[], CheckResult]:
    return lambda: function(*args)


def _safely(
    kind: str, name: str, table: str, run: Callable[[], CheckResult]
) -> CheckResult:
    try:
        return run()
    # Any error: one check that cannot run must not hide the others' results.
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        logger.warning("Data test %s could not run: %s", name, first_line)
        return CheckResult(
            kind,
            name,
            table,
            None,
            f"could not run: {type(error).__name__}: {first_line}",
        )


def _log_report(rows: list[tuple]) -> None:
    width = min(NAME_WIDTH, max((len(row[2]) for row in rows), default=0))
    logger.info("Data tests: %d checks on the stored warehouse", len(rows))
    for _, _, check, _, status, failing, _, detail in rows:
        line = f"{status:<4}  {check:<{width}}  {_rows(failing):>7}"
        if status != "PASS" and detail:
            line += f"  {detail[:DETAIL_WIDTH]}"
        logger.info(line)
    totals = {status: sum(row[4] == status for row in rows) for status in STATUSES}
    logger.info(
        "Data tests done: %d checks, %s",
        len(rows),
        ", ".join(f"{n} {status}" for status, n in totals.items()),
    )


def _rows(failing: int | None) -> str:
    return "-" if failing is None else str(failing)
