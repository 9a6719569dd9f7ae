"""Contracts of the marts and pbi layers: keys, accepted values, documentation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pandera.pyspark as pa
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.contracts import (
    ContractViolation,
    all_contracts,
    check_structure,
    check_table,
)
from motors_meetup.pipelines.marts.schemas import CONTRACTS as MART_CONTRACTS
from motors_meetup.pipelines.marts.schemas import FactRsvps
from motors_meetup.pipelines.pbi.nodes import pbi_table
from motors_meetup.pipelines.pbi.pipeline import PBI_TABLES
from motors_meetup.pipelines.pbi.schemas import CONTRACTS as PBI_CONTRACTS
from motors_meetup.pipelines.pbi.schemas import PbiFactRsvps

MART_TABLES = [
    "dim_date",
    "dim_events",
    "dim_groups",
    "dim_users",
    "dim_venues",
    "fact_rsvps",
    "fact_event_attendance",
    "fact_group_activity",
    "fact_group_memberships",
    "fact_venue_activity",
]
EVENT_ID = "380d4485b8c3b9e870149d1bbf154e64"  # DESIGN §4's worked example


def _models(*layers: str) -> list[tuple[str, type[pa.DataFrameModel]]]:
    return [
        (name, model)
        for name, model in all_contracts().items()
        if name.split(".")[0] in layers
    ]


def _rules(column: pa.Column) -> list[tuple[str, dict]]:
    # Checks compare by name and parameters: validation caches state on them.
    return [(check.name, check.statistics) for check in column.checks]


# User 42 answered 'yes' with 2 guests, 2 days and 30 minutes before the
# start of the worked-example event, held at venue 7; every key is the one the
# marts compute from those ids (user_sk = sk('42'), rsvp_sk = sk('42', event_id),
# venue_sk = sk('7'), event_sk = event_id), so no key is an orphan.
VALID_RSVP = {
    "rsvp_sk": "e8361304469503e58e3f77108faf93c8",
    "user_sk": "a1d0c6e83f027327d8461063f4ac58a6",
    "event_sk": EVENT_ID,
    "venue_sk": "8f14e45fceea167a5a36dedd4bea2543",
    "event_id": EVENT_ID,
    "user_id": "42",
    "group_id": "123",
    "event_name": "Spark Meetup",
    "rsvp_time": datetime(2017, 3, 2, 18, 0),
    "rsvp_date": date(2017, 3, 2),
    "response": "yes",
    "guests": 2,
    "rsvp_version_number": 1,
    "is_attending": True,
    "is_not_attending": False,
    "is_waitlisted": False,
    "event_status": "past",
    "event_start_time": datetime(2017, 3, 4, 18, 30),
    "event_date": date(2017, 3, 4),
    "is_past": True,
    "is_upcoming": False,
    "is_cancelled": False,
    "minutes_from_rsvp_to_event": 2910,
    "hours_from_rsvp_to_event": Decimal("48.5"),
    "days_from_rsvp_to_event": Decimal("2.0"),
    "is_same_day_rsvp": False,
    "rsvp_timing_category": "Within Week",
    "total_attendance": 3,
    "_batch_id": 1,
}


def fact_rsvps(spark: SparkSession, *rows: dict) -> DataFrame:
    """fact_rsvps rows with exactly the contract's column types."""
    schema = FactRsvps.to_structtype()
    return spark.createDataFrame(
        [tuple(row[field.name] for field in schema.fields) for row in rows], schema
    )


def test_every_mart_and_pbi_table_has_a_contract() -> None:
    assert list(MART_CONTRACTS) == MART_TABLES
    assert list(PBI_CONTRACTS) == list(PBI_TABLES)


def test_valid_fact_rsvps_row_passes_its_contract(spark: SparkSession) -> None:
    check_table("marts.fact_rsvps", fact_rsvps(spark, VALID_RSVP), FactRsvps)


def test_pbi_copy_of_a_valid_fact_rsvps_row_passes_the_pbi_contract(
    spark: SparkSession,
) -> None:
    pbi = pbi_table(fact_rsvps(spark, VALID_RSVP))
    check_table("pbi.pbi_fact_rsvps", pbi, PbiFactRsvps)


def test_a_pbi_view_s_structure_is_checked_without_a_spark_job(
    spark: SparkSession,
) -> None:
    # Even a duplicated key passes: the view's rows are the mart's, whose contract
    # checks them when the mart is written.
    pbi = pbi_table(fact_rsvps(spark, VALID_RSVP, VALID_RSVP))
    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup("structure", "structure")
    try:
        check_structure("pbi.pbi_fact_rsvps", pbi, PbiFactRsvps)
        assert tracker.getJobIdsForGroup("structure") == []
    finally:
        spark.sparkContext.setJobGroup("", "")

    with pytest.raises(ContractViolation, match="pbi_fact_rsvps"):
        check_structure("pbi.pbi_fact_rsvps", pbi.drop("user_sk"), PbiFactRsvps)


def test_duplicated_rsvp_sk_breaks_the_unique_key(spark: SparkSession) -> None:
    again = {**VALID_RSVP, "response": "no", "is_attending": False}
    again |= {"is_not_attending": True, "total_attendance": 0}
    with pytest.raises(ContractViolation) as raised:
        check_table("marts.fact_rsvps", fact_rsvps(spark, VALID_RSVP, again), FactRsvps)
    [finding] = raised.value.findings
    assert finding.check == "unique"
    assert finding.sample == (
        "{'rsvp_sk': 'e8361304469503e58e3f77108faf93c8', 'count': 2}",
    )


def test_unknown_rsvp_timing_category_names_isin_and_the_row(
    spark: SparkSession,
) -> None:
    other_user = {
        "rsvp_sk": "e18798b43e5107451aa009710f8753be",
        "user_sk": "17e62166fc8586dfa4d1bc0e1742c08b",
        "user_id": "43",
    }
    bad = {**VALID_RSVP, **other_user, "rsvp_timing_category": "Fashionably Late"}
    with pytest.raises(ContractViolation) as raised:
        check_table("marts.fact_rsvps", fact_rsvps(spark, VALID_RSVP, bad), FactRsvps)
    [finding] = raised.value.findings
    assert (finding.column, finding.check.split("(")[0]) == (
        "rsvp_timing_category",
        "isin",
    )
    [row] = finding.sample
    assert "'user_id': '43'" in row
    assert "'rsvp_timing_category': 'Fashionably Late'" in row


def test_a_null_flag_breaks_the_contract(spark: SparkSession) -> None:
    frame = fact_rsvps(spark, VALID_RSVP).withColumn(
        "is_cancelled", F.lit(None).cast("boolean")
    )
    with pytest.raises(ContractViolation) as raised:
        check_table("marts.fact_rsvps", frame, FactRsvps)
    assert [(f.column, f.check) for f in raised.value.findings] == [
        ("is_cancelled", "not_nullable")
    ]


@pytest.mark.parametrize(("name", "model"), _models("marts", "pbi"))
def test_contract_documents_every_column_grain_key_and_relationships(
    name: str, model: type[pa.DataFrameModel]
) -> None:
    schema = model.to_schema()
    layer, table = name.split(".")
    assert schema.name == table
    assert schema.strict is True
    assert schema.description and schema.description.endswith(".")
    undocumented = [c for c, column in schema.columns.items() if not column.description]
    assert undocumented == []
    metadata = model.Config.metadata
    assert set(metadata) == {"grain", "key", "relationships"}
    assert metadata["grain"]
    assert metadata["key"] == list(schema.unique)
    assert all(f"{key}" in schema.description for key in metadata["key"])
    assert all(not schema.columns[key].nullable for key in metadata["key"])
    sk_columns = {c for c in schema.columns if c.endswith("_sk")}
    foreign = sk_columns - set(metadata["key"])
    assert foreign <= set(metadata["relationships"]), "a *_sk without relationship"
    for column, target in metadata["relationships"].items():
        assert column in schema.columns
        assert target.split(".")[0] == layer, "relationships stay within the layer"


@pytest.mark.parametrize(("name", "model"), _models("marts", "pbi"))
def test_every_relationship_targets_a_contract_column_of_the_same_type(
    name: str, model: type[pa.DataFrameModel]
) -> None:
    contracts = all_contracts()
    columns = model.to_schema().columns
    for column, target in model.Config.metadata["relationships"].items():
        target_table, target_column = target.rsplit(".", 1)
        assert target_table in contracts, f"{name}.{column} -> unknown {target_table}"
        target_columns = contracts[target_table].to_schema().columns
        assert target_column in target_columns, f"{name}.{column} -> {target}"
        assert columns[column].dtype == target_columns[target_column].dtype


@pytest.mark.parametrize(("table", "mart"), list(PBI_TABLES.items()))
def test_pbi_contract_has_its_marts_columns_with_sk_keys_as_strings(
    table: str, mart: str
) -> None:
    mart_columns = MART_CONTRACTS[mart].to_schema().columns
    pbi_columns = PBI_CONTRACTS[table].to_schema().columns
    assert list(pbi_columns) == list(mart_columns)
    for column, declared in pbi_columns.items():
        assert str(declared.dtype) == str(mart_columns[column].dtype)
        assert declared.nullable == mart_columns[column].nullable
        assert _rules(declared) == _rules(mart_columns[column])
        if column.endswith("_sk"):
            assert str(declared.dtype) == "StringType()"
    assert PBI_CONTRACTS[table].to_schema().unique == (
        MART_CONTRACTS[mart].to_schema().unique
    )
