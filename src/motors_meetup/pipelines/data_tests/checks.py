"""The checks of the data tests: pure functions from stored tables to a result.

Each check returns a :class:`CheckResult` with the number of rows that break it
(0 = pass); whether a failing check is a WARN or a FAIL is decided afterwards by its
configured severity (:func:`severity_of`), like dbt's ``severity``. Check names are
stable, so history in ``audit.data_test_results`` can be followed per check:

* ``contract:<table>`` — the table's pandera contract (types, not-null, accepted
  values, ranges, key); failing rows = rows breaking a data check, every row for a
  schema-level break (missing column, wrong type).
* ``contracts_declared`` — every stored table has a contract.
* ``unique_key:<table>(<columns>)`` — the key of ``Config.metadata["key"]`` is
  unique and never null (multi-column keys included).
* ``relationship:<table>.<column> -> <parent>.<column>`` — every non-null foreign
  key exists in its parent; a null one only where the contract column is nullable.
* ``row_count:<name>`` — row counts reconcile between layers, by the documented
  grain rules.
* ``warning:<name>`` — data the design calls suspect (joins dated before the
  group's creation, quarantined records).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import reduce
from typing import Any

import pandera.pyspark as pa
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from motors_meetup.contracts import findings
from motors_meetup.contracts.validation import unique_keys, violation
from motors_meetup.pipelines.staging.nodes import event_identity

SEVERITIES = ("error", "warn")
SAMPLE_VALUES = 3
DETAIL_LENGTH = 500
SCHEMA_CHECKS = ("column_in_dataframe", "column_in_schema", "dtype")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: how many rows break it, and why."""

    check_type: str
    check: str
    table: str
    failing_rows: int | None  # None: the check could not run
    detail: str = ""


# ---------------------------------------------------------------- severity


def severity_of(check: str, config: Mapping[str, Any]) -> str:
    """The configured severity of ``check``: ``error`` or ``warn``.

    ``config`` is ``{default: ..., overrides: {<check name or glob>: ...}}``; an
    exact name wins over globs, then the first matching glob in file order.
    """
    overrides = dict(config.get("overrides") or {})
    level = overrides.get(check)
    if level is None:
        matches = (v for pattern, v in overrides.items() if fnmatchcase(check, pattern))
        level = next(matches, config.get("default", "error"))
    level = str(level).lower()
    if level not in SEVERITIES:
        raise ValueError(
            f"Severity {level!r} for check {check!r} is not one of {SEVERITIES}"
        )
    return level


def status_of(failing_rows: int | None, severity: str) -> str:
    """PASS when no row fails, else WARN or FAIL by severity (also when the check
    could not run: ``failing_rows`` None)."""
    if failing_rows == 0:
        return "PASS"
    return "FAIL" if severity == "error" else "WARN"


# ---------------------------------------------------------------- contracts


def contract_check(
    dataset: str, data: DataFrame, model: type[pa.DataFrameModel], depth: str
) -> CheckResult:
    """The table's contract at ``depth`` (SCHEMA_ONLY or SCHEMA_AND_DATA)."""
    found = findings(dataset, data, model, depth)
    schema = model.to_schema()
    failing: list[Column] = []
    whole_table = False
    for finding in found:
        predicate = _finding_predicate(data, schema, finding.column, finding.check)
        if predicate is None:
            whole_table = True
        else:
            failing.append(predicate)
    if not found:
        rows = 0
    elif whole_table or not failing:
        rows = data.count()
    else:
        # A select, not a filter: the key check is a window expression.
        bad = data.select(reduce(lambda a, b: a | b, failing).alias("_bad"))
        rows = bad.where("_bad").count()
    detail = "; ".join(f"{f.column}: {f.check}" for f in found)
    return CheckResult("contract", contract_name(dataset), dataset, rows, detail)


def contract_name(dataset: str) -> str:
    """``contract:<table>``."""
    return f"contract:{_short(dataset)}"


def contracts_declared(
    datasets: Iterable[str], contracts: Mapping[str, object]
) -> CheckResult:
    """Every stored table has a contract; failing rows = tables without one."""
    missing = [name for name in datasets if name not in contracts]
    detail = "without a contract: " + ", ".join(missing) if missing else ""
    return CheckResult("contract", "contracts_declared", "*", len(missing), detail)


def _finding_predicate(
    data: DataFrame, schema: pa.DataFrameSchema, column: str, check: str
) -> Column | None:
    """Rows breaking one failed contract check; None when the whole table does.

    Schema-level breaks (a missing column, a wrong type) and checks that cannot be
    written as a row predicate count every row.
    """
    if check.partition("(")[0] in SCHEMA_CHECKS:
        return None
    if check != "unique" and column not in data.columns:
        return None
    if check == "unique":
        keys = unique_keys(schema)
        if not keys or not set(keys) <= set(data.columns):
            return None
        return _in_duplicate_group(keys)
    return violation(schema, column, check)


def _in_duplicate_group(keys: list[str]) -> Column:
    return F.count(F.lit(1)).over(Window.partitionBy(*keys)) > 1


# ---------------------------------------------------------------- keys


def unique_key_check(dataset: str, data: DataFrame, key: list[str]) -> CheckResult:
    """The key is unique and never null; failing rows = rows sharing or lacking it."""
    null_part = reduce(lambda a, b: a | b, [F.col(c).isNull() for c in key])
    groups = data.groupBy(*key).agg(
        F.count(F.lit(1)).alias("_rows"), F.max(null_part).alias("_null")
    )
    bad = groups.where((F.col("_rows") > 1) | F.col("_null"))
    totals = bad.agg(F.sum("_rows").alias("rows")).first()
    rows = int(totals["rows"] or 0) if totals else 0
    detail = ""
    if rows:
        samples = [
            ", ".join(f"{c}={row[c]}" for c in key) + f" ({row['_rows']} rows)"
            for row in bad.limit(SAMPLE_VALUES).collect()
        ]
        detail = "e.g. " + "; ".join(samples)
    return CheckResult(
        "unique_key", unique_key_name(dataset, key), dataset, rows, detail
    )


def unique_key_name(dataset: str, key: list[str]) -> str:
    """``unique_key:<table>(<columns>)``."""
    return f"unique_key:{_short(dataset)}({', '.join(key)})"


# ---------------------------------------------------------------- relationships


def relationship_check(
    dataset: str,
    data: DataFrame,
    column: str,
    parent_dataset: str,
    parent: DataFrame,
    parent_column: str,
    *,
    nullable: bool,
) -> CheckResult:
    """Every ``column`` value exists in ``parent.parent_column``.

    Failing rows: non-null values absent from the parent (orphans), plus null
    values when the contract column is not nullable.
    """
    name = relationship_name(dataset, column, parent_dataset, parent_column)
    parents = parent.select(F.col(parent_column).alias("_parent")).distinct()
    value, known = F.col("_value"), F.col("_parent")
    # Parents are distinct, so the left join keeps one row per child row.
    joined = data.select(F.col(column).alias("_value")).join(
        parents, value == known, "left"
    )
    orphan = value.isNotNull() & known.isNull()
    counts = joined.agg(
        F.count_if(orphan).alias("orphans"), F.count_if(value.isNull()).alias("nulls")
    ).first()
    n_orphans = int(counts["orphans"]) if counts else 0
    n_nulls = 0 if nullable or not counts else int(counts["nulls"])
    parts = []
    if n_orphans:
        samples = joined.where(orphan).limit(SAMPLE_VALUES).collect()
        values = [str(r["_value"]) for r in samples]
        parts.append(f"{n_orphans} not in {parent_dataset}, e.g. {', '.join(values)}")
    if n_nulls:
        parts.append(f"{n_nulls} null (column not nullable)")
    return CheckResult(
        "relationship", name, dataset, n_orphans + n_nulls, "; ".join(parts)
    )


def relationship_name(
    dataset: str, column: str, parent_dataset: str, parent_column: str
) -> str:
    """``relationship:<table>.<column> -> <parent>.<column>``."""
    return (
        f"relationship:{_short(dataset)}.{column} -> "
        f"{_short(parent_dataset)}.{parent_column}"
    )


def relationships_of(
    contracts: Mapping[str, type[pa.DataFrameModel]],
) -> list[tuple[str, str, str, str, bool]]:
    """(table, column, parent table, parent column, nullable) from the contracts."""
    found = []
    for dataset, model in contracts.items():
        columns = model.to_schema().columns
        for column, target in (metadata_of(model).get("relationships") or {}).items():
            parent_dataset, parent_column = str(target).rsplit(".", 1)
            nullable = bool(column in columns and columns[column].nullable)
            found.append((dataset, column, parent_dataset, parent_column, nullable))
    return found


def key_of(model: type[pa.DataFrameModel]) -> list[str]:
    """The key columns a contract declares (empty for tables without a key)."""
    return list(metadata_of(model).get("key") or [])


def metadata_of(model: type[pa.DataFrameModel]) -> dict[str, Any]:
    """A contract's ``Config.metadata`` (grain, key, relationships)."""
    return dict(getattr(model.Config, "metadata", None) or {})


# ---------------------------------------------------------------- row counts


def equal_row_counts(counts: Mapping[str, int]) -> CheckResult:
    """Tables of one grain across layers have the same number of rows.

    ``counts`` maps each table, upstream first, to its rows. Failing rows: the
    largest count minus the smallest.
    """
    values = list(counts.values())
    gap = max(values) - min(values)
    detail = ", ".join(f"{_short(t)} {n}" for t, n in counts.items())
    return CheckResult(
        "row_count", equal_row_counts_name(list(counts)), list(counts)[-1], gap, detail
    )


def equal_row_counts_name(datasets: list[str]) -> str:
    """``row_count:<a> = <b> = ...``."""
    return "row_count:" + " = ".join(_short(t) for t in datasets)


def derived_row_count(
    derivation: Derivation, actual: int, expected: int
) -> CheckResult:
    """A table has the row count its grain rule derives from the layer below."""
    detail = (
        f"{_short(derivation.table)} {actual}, expected {expected}: {derivation.rule}"
    )
    return CheckResult(
        "row_count",
        derivation.check,
        derivation.table,
        abs(actual - expected),
        detail,
    )


def dimension_row_count(
    dataset: str,
    dimension: DataFrame,
    id_column: str,
    staged_dataset: str,
    staged: DataFrame,
    referencing: list[DataFrame],
) -> CheckResult:
    """A dimension = its staged rows + one inferred row per referenced unknown id.

    Failing rows: the difference in staged rows plus that in inferred rows.
    """
    counts = {
        bool(row["is_inferred"]): int(row["n"])
        for row in dimension.groupBy("is_inferred")
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    }
    n_staged = staged.count()
    referenced = reduce(
        DataFrame.unionByName, [frame.select(id_column) for frame in referencing]
    )
    n_unknown = (
        referenced.where(F.col(id_column).isNotNull())
        .distinct()
        .join(staged.select(id_column), id_column, "left_anti")
        .count()
    )
    dim_staged, dim_inferred = counts.get(False, 0), counts.get(True, 0)
    failing = abs(dim_staged - n_staged) + abs(dim_inferred - n_unknown)
    detail = (
        f"staged {dim_staged} (expected {n_staged} = {_short(staged_dataset)}), "
        f"inferred {dim_inferred} (expected {n_unknown} referenced unknown "
        f"{id_column}s)"
    )
    name = dimension_row_count_name(dataset, staged_dataset)
    return CheckResult("row_count", name, dataset, failing, detail)


def dimension_row_count_name(dataset: str, staged_dataset: str) -> str:
    """``row_count:<staged> + inferred -> <dimension>``."""
    return f"row_count:{_short(staged_dataset)} + inferred -> {_short(dataset)}"


@dataclass(frozen=True)
class Derivation:
    """A table whose row count follows from the layer below by a grain rule."""

    source: str
    table: str
    rule: str
    rows: Callable[[DataFrame], DataFrame]

    @property
    def check(self) -> str:
        """``row_count:<source> -> <table>``."""
        return f"row_count:{_short(self.source)} -> {_short(self.table)}"


def _event_identities(raw_events: DataFrame) -> DataFrame:
    return raw_events.select(*event_identity(raw_events)).distinct()


def _event_answers(stg_events: DataFrame) -> DataFrame:
    answers = stg_events.select("event_id", F.explode("rsvps").alias("r"))
    return answers.select("event_id", "r.user_id").distinct()


def _user_memberships(raw_users: DataFrame) -> DataFrame:
    memberships = raw_users.select("user_id", F.explode("memberships").alias("m"))
    return memberships.select("user_id", "m.group_id").distinct()


def _group_topics(raw_groups: DataFrame) -> DataFrame:
    topics = raw_groups.select("group_id", F.explode("topics").alias("topic"))
    return topics.where(F.col("topic").isNotNull()).distinct()


def _group_join_days(memberships: DataFrame) -> DataFrame:
    days = memberships.select("group_sk", F.to_date("joined_at").alias("day"))
    return days.where(F.col("day").isNotNull()).distinct()


def _venue_event_days(events: DataFrame) -> DataFrame:
    days = events.where(F.col("venue_id").isNotNull()).select(
        "venue_sk", F.to_date("event_start_time").alias("day")
    )
    return days.where(F.col("day").isNotNull()).distinct()


DERIVATIONS = (
    Derivation(
        "raw.raw_events",
        "staging.stg_events",
        "one row per distinct (group, name, start, description) of raw_events",
        _event_identities,
    ),
    Derivation(
        "staging.stg_events",
        "staging.stg_event_rsvps",
        "one row per distinct (event, user) among stg_events.rsvps",
        _event_answers,
    ),
    Derivation(
        "raw.raw_users",
        "staging.stg_memberships",
        "one row per distinct (user, group) among raw_users.memberships",
        _user_memberships,
    ),
    Derivation(
        "raw.raw_groups",
        "staging.stg_group_topics",
        "one row per distinct non-null (group, topic) among raw_groups.topics",
        _group_topics,
    ),
    Derivation(
        "intermediate.int_user_memberships_with_groups",
        "marts.fact_group_activity",
        "one row per (group, UTC day with a join)",
        _group_join_days,
    ),
    Derivation(
        "intermediate.int_events_with_venues",
        "marts.fact_venue_activity",
        "one row per (venue, UTC day with an event that has a start)",
        _venue_event_days,
    ),
)

# dimension -> (id column, staged table, tables whose ids it must cover)
DIMENSIONS = {
    "marts.dim_groups": (
        "group_id",
        "staging.stg_groups",
        ("staging.stg_memberships", "staging.stg_events"),
    ),
    "marts.dim_users": (
        "user_id",
        "staging.stg_users",
        ("staging.stg_event_rsvps", "staging.stg_memberships"),
    ),
    "marts.dim_venues": ("venue_id", "staging.stg_venues", ("staging.stg_events",)),
}


# ---------------------------------------------------------------- warnings


def join_before_group_creation(dataset: str, memberships: DataFrame) -> CheckResult:
    """Memberships dated before their group's creation (a source data error)."""
    rows = memberships.where(F.col("days_from_group_creation_to_join") < 0).count()
    detail = "days_from_group_creation_to_join < 0" if rows else ""
    return CheckResult(
        "warning", "warning:join_before_group_creation", dataset, rows, detail
    )


def quarantined_records(dataset: str, rejected: DataFrame) -> CheckResult:
    """Records the raw layer rejected; identical copies that collapsed not counted."""
    by_reason = {
        row["reason"]: int(row["n"])
        for row in rejected.groupBy("reason")
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    }
    rows = sum(n for reason, n in by_reason.items() if reason != "identical_duplicate")
    detail = ", ".join(f"{reason} {n}" for reason, n in sorted(by_reason.items()))
    return CheckResult(
        "warning", quarantined_records_name(dataset), dataset, rows, detail
    )


def quarantined_records_name(dataset: str) -> str:
    """``warning:quarantined_records:<rejected table>``."""
    return f"warning:quarantined_records:{_short(dataset)}"


def _short(dataset: str) -> str:
    """``<layer>.<table>`` -> ``<table>`` (table names are unique across layers)."""
    return dataset.rsplit(".", 1)[-1]
