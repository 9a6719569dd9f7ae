"""Data tests: the checks on tiny hand-made frames, then the command on the sample.

The end-to-end part copies the test run's shared sample warehouse, appends an
orphan foreign key to ``marts.fact_rsvps`` with Delta and runs ``--pipeline
data_tests`` once: the run fails naming that relationship, the only other failures
are the row counts the extra row breaks, and every other check passes (one run
shows both that the checks find the fault and that the sample raises no false
alarm).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandera.pyspark as pa
import pytest
from kedro.framework.project import pipelines
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from motors_meetup.pipeline_registry import register_pipelines
from motors_meetup.pipelines.data_tests import checks as C
from motors_meetup.pipelines.data_tests.nodes import (
    RESULTS_SCHEMA,
    DataTestsFailed,
    assert_no_failures,
)
from motors_meetup.pipelines.data_tests.pipeline import stored_tables

PROJECT_ROOT = Path(__file__).resolve().parents[3]
USER = "dt"
AS_OF = "2018-06-30"
ORPHAN_CHECK = "relationship:fact_rsvps.user_sk -> dim_users.user_sk"
# The pbi views show the mart's rows: the orphan is in pbi_fact_rsvps too.
PBI_ORPHAN_CHECK = "relationship:pbi_fact_rsvps.user_sk -> pbi_dim_users.user_sk"
# An extra fact_rsvps row also breaks the row counts of the RSVP grain upstream
# (the pbi view has it too, so its count still equals the mart's).
ROW_COUNT_CHECK_OF_RSVPS = "row_count:stg_event_rsvps = int_event_rsvps = fact_rsvps"
# The one warning of the sample: 4 memberships that start before their group was
# created (docs/data-quality.md).
WARNED_ON_THE_SAMPLE = ["warning:join_before_group_creation"]


# ---------------------------------------------------------------- severity


SEVERITY = {
    "default": "error",
    "overrides": {
        "warning:*": "warn",
        "relationship:*": "warn",
        "relationship:fact_rsvps.user_sk -> dim_users.user_sk": "error",
    },
}


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("contract:stg_events", "error"),
        ("warning:join_before_group_creation", "warn"),
        ("relationship:fact_rsvps.event_sk -> dim_events.event_sk", "warn"),
        # An exact name wins over a matching glob.
        (ORPHAN_CHECK, "error"),
    ],
)
def test_severity_is_the_default_unless_a_name_or_glob_overrides_it(
    check: str, expected: str
) -> None:
    assert C.severity_of(check, SEVERITY) == expected


def test_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="'fatal'"):
        C.severity_of("contract:x", {"default": "fatal"})


def test_status_follows_failing_rows_and_severity() -> None:
    assert [
        C.status_of(0, "error"),
        C.status_of(2, "warn"),
        C.status_of(2, "error"),
        C.status_of(None, "error"),
    ] == ["PASS", "WARN", "FAIL", "FAIL"]


# ---------------------------------------------------------------- keys


def test_multi_column_key_counts_every_row_sharing_or_lacking_the_key(
    spark: SparkSession,
) -> None:
    data = spark.createDataFrame(
        [
            ("g1", "2017-01-01"),
            ("g1", "2017-01-01"),
            ("g1", "2017-01-02"),
            ("g2", None),
            ("g2", "2017-01-01"),
        ],
        "group_sk string, activity_date string",
    )

    result = C.unique_key_check(
        "marts.fact_group_activity", data, ["group_sk", "activity_date"]
    )

    assert result.check == "unique_key:fact_group_activity(group_sk, activity_date)"
    assert result.failing_rows == 3  # two copies of (g1, 2017-01-01), one null date
    assert "group_sk=g1, activity_date=2017-01-01 (2 rows)" in result.detail


def test_unique_key_passes_with_zero_failing_rows(spark: SparkSession) -> None:
    data = spark.createDataFrame([("a",), ("b",)], "user_sk string")

    result = C.unique_key_check("marts.dim_users", data, ["user_sk"])

    assert (result.failing_rows, result.detail) == (0, "")


# ---------------------------------------------------------------- relationships


@pytest.fixture
def rsvps_and_users(spark: SparkSession) -> tuple[DataFrame, DataFrame]:
    rsvps = spark.createDataFrame(
        [("r1", "u1"), ("r2", "u1"), ("r3", "u8"), ("r4", "u9"), ("r5", None)],
        "rsvp_sk string, user_sk string",
    )
    users = spark.createDataFrame([("u1",), ("u2",)], "user_sk string")
    return rsvps, users


def test_relationship_counts_orphans_and_allows_nulls_where_nullable(
    rsvps_and_users: tuple[DataFrame, DataFrame],
) -> None:
    rsvps, users = rsvps_and_users

    result = C.relationship_check(
        "marts.fact_rsvps",
        rsvps,
        "user_sk",
        "marts.dim_users",
        users,
        "user_sk",
        nullable=True,
    )

    assert result.check == ORPHAN_CHECK
    assert result.failing_rows == 2
    assert result.detail.startswith("2 not in marts.dim_users, e.g. ")


def test_relationship_counts_nulls_where_the_column_is_not_nullable(
    rsvps_and_users: tuple[DataFrame, DataFrame],
) -> None:
    rsvps, users = rsvps_and_users

    result = C.relationship_check(
        "marts.fact_rsvps",
        rsvps,
        "user_sk",
        "marts.dim_users",
        users,
        "user_sk",
        nullable=False,
    )

    assert result.failing_rows == 3
    assert "1 null (column not nullable)" in result.detail


# ---------------------------------------------------------------- contracts


class Tiny(pa.DataFrameModel):
    """A contract with a key, a nullable foreign key and accepted values."""

    id: T.StringType() = pa.Field()
    colour: T.StringType() = pa.Field(isin=["red", "blue"], nullable=True)
    parent_id: T.StringType() = pa.Field(nullable=True)
    owner_id: T.StringType() = pa.Field()

    class Config:
        strict = True
        unique = ["id"]
        metadata = {
            "grain": "one row per id",
            "key": ["id"],
            "relationships": {
                "parent_id": "marts.parents.id",
                "owner_id": "marts.owners.id",
            },
        }


TINY = "id string, colour string, parent_id string, owner_id string"


def test_contract_check_counts_rows_breaking_any_data_check(
    spark: SparkSession,
) -> None:
    data = spark.createDataFrame(
        [
            ("1", "red", None, "o"),
            ("1", "blue", None, "o"),
            ("2", "green", None, "o"),
            ("3", None, None, "o"),
        ],
        TINY,
    )

    result = C.contract_check("marts.tiny", data, Tiny, "SCHEMA_AND_DATA")

    assert result.check == "contract:tiny"
    assert result.failing_rows == 3  # both copies of id 1, and the green row
    assert "colour: isin" in result.detail
    assert C.contract_check("marts.tiny", data, Tiny, "SCHEMA_ONLY").failing_rows == 0


def test_contract_check_counts_every_row_when_the_schema_is_broken(
    spark: SparkSession,
) -> None:
    data = spark.createDataFrame(
        [("1", "red", None), ("2", "red", None)],
        "id string, colour string, parent_id string",
    )

    result = C.contract_check("marts.tiny", data, Tiny, "SCHEMA_ONLY")

    assert result.failing_rows == 2
    assert "owner_id" in result.detail


def test_contracts_declared_counts_tables_without_one() -> None:
    result = C.contracts_declared(["raw.a", "marts.b", "pbi.c"], {"raw.a": Tiny})

    assert (result.failing_rows, result.detail) == (
        2,
        "without a contract: marts.b, pbi.c",
    )


def test_relationships_and_keys_are_read_from_contract_metadata() -> None:
    assert C.relationships_of({"marts.tiny": Tiny}) == [
        ("marts.tiny", "parent_id", "marts.parents", "id", True),
        ("marts.tiny", "owner_id", "marts.owners", "id", False),
    ]
    assert C.key_of(Tiny) == ["id"]


# ---------------------------------------------------------------- row counts


def test_equal_row_counts_fail_by_the_largest_gap() -> None:
    result = C.equal_row_counts(
        {
            "staging.stg_event_rsvps": 10,
            "intermediate.int_event_rsvps": 10,
            "marts.fact_rsvps": 12,
        }
    )

    assert result.check == ("row_count:stg_event_rsvps = int_event_rsvps = fact_rsvps")
    assert (result.table, result.failing_rows) == ("marts.fact_rsvps", 2)


def test_stg_event_rsvps_count_is_derived_from_distinct_answers(
    spark: SparkSession,
) -> None:
    rsvp = "struct<user_id: string, response: string, `when`: bigint, guests: int>"
    stg_events = spark.createDataFrame(
        [
            # u1 answered e1 twice (one row), u2 once; e2 has no answers.
            ("e1", [("u1", "no", 1, 0), ("u1", "yes", 2, 0), ("u2", "yes", 1, 0)]),
            ("e2", []),
        ],
        f"event_id string, rsvps array<{rsvp}>",
    )
    derivation = next(d for d in C.DERIVATIONS if d.table == "staging.stg_event_rsvps")

    expected = derivation.rows(stg_events).count()
    result = C.derived_row_count(derivation, actual=3, expected=expected)

    assert expected == 2
    assert result.check == "row_count:stg_events -> stg_event_rsvps"
    assert result.failing_rows == 1


def test_dimension_is_staged_rows_plus_one_inferred_row_per_unknown_id(
    spark: SparkSession,
) -> None:
    staged = spark.createDataFrame([("u1",), ("u2",)], "user_id string")
    rsvps = spark.createDataFrame([("u1",), ("u3",), ("u3",)], "user_id string")
    memberships = spark.createDataFrame([("u4",), (None,)], "user_id string")
    dim_schema = "user_id string, is_inferred boolean"
    complete = spark.createDataFrame(
        [("u1", False), ("u2", False), ("u3", True), ("u4", True)], dim_schema
    )
    missing_u4 = spark.createDataFrame(
        [("u1", False), ("u2", False), ("u3", True)], dim_schema
    )

    def check(dim: DataFrame) -> C.CheckResult:
        return C.dimension_row_count(
            "marts.dim_users",
            dim,
            "user_id",
            "staging.stg_users",
            staged,
            [rsvps, memberships],
        )

    assert check(complete).failing_rows == 0
    assert check(missing_u4).failing_rows == 1
    assert check(complete).check == "row_count:stg_users + inferred -> dim_users"


# ---------------------------------------------------------------- warnings


def test_join_before_group_creation_counts_negative_days(spark: SparkSession) -> None:
    memberships = spark.createDataFrame(
        [(-3,), (-1,), (0,), (12,), (None,)], "days_from_group_creation_to_join int"
    )

    result = C.join_before_group_creation("intermediate.int_x", memberships)

    assert (result.check, result.failing_rows) == (
        "warning:join_before_group_creation",
        2,
    )


def test_quarantined_records_do_not_count_collapsed_identical_copies(
    spark: SparkSession,
) -> None:
    rejected = spark.createDataFrame(
        [("malformed_json",), ("identical_duplicate",), ("duplicate_key",)],
        "reason string",
    )

    result = C.quarantined_records("raw.groups_rejected", rejected)

    assert result.check == "warning:quarantined_records:groups_rejected"
    assert result.failing_rows == 2
    assert result.detail == "duplicate_key 1, identical_duplicate 1, malformed_json 1"


# ---------------------------------------------------------------- verdict


def results_frame(spark: SparkSession, *rows: tuple[str, str, int]) -> DataFrame:
    full = [
        (None, "x", check, "t", status, failing, "error", "")
        for check, status, failing in rows
    ]
    return spark.createDataFrame(full, RESULTS_SCHEMA)


def test_verdict_returns_totals_when_nothing_failed(spark: SparkSession) -> None:
    results = results_frame(spark, ("a", "PASS", 0), ("b", "WARN", 4))

    assert assert_no_failures(results) == {"PASS": 1, "WARN": 1, "FAIL": 0}


def test_verdict_raises_listing_every_failed_check(spark: SparkSession) -> None:
    results = results_frame(
        spark, ("a", "PASS", 0), (ORPHAN_CHECK, "FAIL", 1), ("c", "FAIL", None)
    )

    with pytest.raises(DataTestsFailed, match="2 data test") as error:
        assert_no_failures(results)
    assert f"{ORPHAN_CHECK} (1 failing rows)" in str(error.value)
    assert "c (- failing rows)" in str(error.value)


def test_every_table_the_warehouse_writes_is_tested() -> None:
    tables = stored_tables()

    assert {"raw.raw_events", "raw.events_rejected", "marts.fact_rsvps"} <= set(tables)
    assert "pbi.pbi_fact_venue_activity" in tables
    assert not [t for t in tables if t.startswith(("audit.", "sources."))]


def test_data_tests_and_freshness_are_registered_but_not_in_the_default_run() -> None:
    bootstrap_project(PROJECT_ROOT)
    pipelines.set_requested(None)  # all of them, whatever an earlier run asked for
    registered = register_pipelines()

    default = {node.name for node in registered["__default__"].nodes}
    for name in ("data_tests", "freshness"):
        assert registered[name].nodes
        assert not default & {node.name for node in registered[name].nodes}


# ---------------------------------------------------------------- the command


def run(pipeline: str, warehouse: Path) -> dict[str, Any]:
    """``kedro run --pipeline <pipeline>`` in-process, on the given warehouse."""
    bootstrap_project(PROJECT_ROOT)
    params = {"warehouse_dir": str(warehouse), "as_of_date": AS_OF}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", USER)
        with KedroSession.create(
            project_path=PROJECT_ROOT, runtime_params=params
        ) as session:
            return session.run(pipeline_names=[pipeline])


@pytest.fixture(scope="module")
def warehouse(
    sample_warehouse: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A private copy of the shared sample warehouse (this module modifies it).

    Delta tables are relocatable folders; the copy's schemas are renamed to this
    module's user, so its tables never clash with the shared ones by name.
    """
    shared_dir, shared_user = sample_warehouse
    root = tmp_path_factory.mktemp("dt_warehouse")
    for schema in (Path(shared_dir) / "workspace").iterdir():
        layer = schema.name.removeprefix(f"{shared_user}_")
        shutil.copytree(schema, root / "workspace" / f"{USER}_{layer}")
    return root


def table(spark: SparkSession, warehouse: Path, layer: str, name: str) -> str:
    return str(warehouse / "workspace" / f"{USER}_{layer}" / name)


def test_data_tests_fail_on_an_orphan_foreign_key_and_pass_everything_else(
    spark: SparkSession, warehouse: Path
) -> None:
    # An RSVP of a user that dim_users does not know, appended to the sample.
    facts = table(spark, warehouse, "marts", "fact_rsvps")
    orphan = (
        spark.read.format("delta")
        .load(facts)
        .limit(1)
        .withColumn("rsvp_sk", F.md5(F.lit("orphan rsvp")))
        .withColumn("user_sk", F.md5(F.lit("nobody")))
    )
    orphan.write.format("delta").mode("append").save(facts)

    with pytest.raises(DataTestsFailed, match=ORPHAN_CHECK):
        run("data_tests", warehouse)

    history = spark.read.format("delta").load(
        table(spark, warehouse, "audit", "data_test_results")
    )
    rows = {row["check"]: row for row in history.collect()}
    statuses = {check: row["status"] for check, row in rows.items()}
    assert history.count() == len(statuses) > 0
    # The orphan breaks its relationship, in the mart and in its pbi view, and the
    # RSVP grain's row count (one more fact than answers upstream); every other
    # check of the sample passes (or warns, by its severity).
    failed = sorted(check for check, status in statuses.items() if status == "FAIL")
    assert failed == [ORPHAN_CHECK, PBI_ORPHAN_CHECK, ROW_COUNT_CHECK_OF_RSVPS]
    assert statuses["row_count:fact_rsvps = pbi_fact_rsvps"] == "PASS"
    # Every check ran (a check that raised would be stored with no failing-row
    # count, and pass here as a mere warning otherwise), and only these warn.
    assert [check for check, row in rows.items() if row["failing_rows"] is None] == []
    warned = sorted(check for check, status in statuses.items() if status == "WARN")
    assert warned == WARNED_ON_THE_SAMPLE
    assert rows[WARNED_ON_THE_SAMPLE[0]]["failing_rows"] == 4
    row = rows[ORPHAN_CHECK]
    assert (row["status"], row["failing_rows"]) == ("FAIL", 1)
