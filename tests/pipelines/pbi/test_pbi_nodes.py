"""PBI nodes: the marts with every ``*_sk`` key as STRING, placed last."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.pipelines.pbi.nodes import pbi_table
from motors_meetup.pipelines.pbi.pipeline import create_pipeline

# pbi table -> the mart it presents
PBI_TABLES = {
    "pbi_dim_date": "dim_date",
    "pbi_dim_events": "dim_events",
    "pbi_dim_groups": "dim_groups",
    "pbi_dim_users": "dim_users",
    "pbi_dim_venues": "dim_venues",
    "pbi_fact_events": "fact_event_attendance",
    "pbi_fact_group_activity": "fact_group_activity",
    "pbi_fact_group_memberships": "fact_group_memberships",
    "pbi_fact_rsvps": "fact_rsvps",
    "pbi_fact_venue_activity": "fact_venue_activity",
}


def frame(spark: SparkSession, rows: list[tuple], schema: str) -> DataFrame:
    """A DataFrame of ``rows`` with the explicit ``schema``, held in the JVM (Arrow)."""
    return spark.createDataFrame(pd.DataFrame.from_records(rows), schema)


@pytest.fixture(scope="module")
def pbi_memberships(spark: SparkSession) -> DataFrame:
    # A fact_group_memberships-like mart whose keys are binary, as dbt's were.
    mart = frame(
        spark,
        [
            ("ms1", "us1", "gs1", "u1", "g1", date(2017, 1, 10), True),
            ("ms2", "us2", "gs1", "u2", "g1", date(2017, 1, 11), False),
        ],
        "membership_sk string, user_sk string, group_sk string, user_id string, "
        "group_id string, joined_date date, is_active boolean",
    ).withColumn("user_sk", F.col("user_sk").cast("binary"))
    return pbi_table(mart)


def test_pbi_table_moves_sk_columns_last_keeping_their_order(
    pbi_memberships: DataFrame,
) -> None:
    assert pbi_memberships.columns == [
        "user_id", "group_id", "joined_date", "is_active",
        "membership_sk", "user_sk", "group_sk",
    ]  # fmt: skip


def test_pbi_table_casts_every_sk_column_to_string(
    pbi_memberships: DataFrame,
) -> None:
    assert pbi_memberships.dtypes == [
        ("user_id", "string"),
        ("group_id", "string"),
        ("joined_date", "date"),
        ("is_active", "boolean"),
        ("membership_sk", "string"),
        ("user_sk", "string"),
        ("group_sk", "string"),
    ]


def test_pbi_table_keeps_the_marts_rows(pbi_memberships: DataFrame) -> None:
    rows = [tuple(row) for row in pbi_memberships.orderBy("user_id").collect()]

    assert rows == [
        ("u1", "g1", date(2017, 1, 10), True, "ms1", "us1", "gs1"),
        ("u2", "g1", date(2017, 1, 11), False, "ms2", "us2", "gs1"),
    ]


def test_pbi_table_leaves_a_table_without_keys_unchanged(spark: SparkSession) -> None:
    mart = frame(
        spark,
        [(date(2017, 1, 1), 1, "Sunday")],
        "date_id date, day_of_week int, day_of_week_name string",
    )

    result = pbi_table(mart)

    assert result.dtypes == mart.dtypes
    assert [tuple(row) for row in result.collect()] == [(date(2017, 1, 1), 1, "Sunday")]


def test_pbi_pipeline_wires_one_node_per_mart_named_after_its_table() -> None:
    pipeline = create_pipeline()

    wiring = {node.name: (node.inputs, node.outputs) for node in pipeline.nodes}

    assert wiring == {
        table: ([f"marts.{mart}"], [f"pbi.{table}"])
        for table, mart in PBI_TABLES.items()
    }
    assert all(node.tags == {"pbi"} for node in pipeline.nodes)
    assert {node.func for node in pipeline.nodes} == {pbi_table}


def test_pbi_table_selects_text_keys_as_they_are(spark: SparkSession) -> None:
    # The marts' keys are md5 hex text: the pbi view selects them without a cast.
    mart = spark.createDataFrame(
        [("a" * 32, "Meetup")], "event_sk string, event_name string"
    )

    result = pbi_table(mart)

    assert result.columns == ["event_name", "event_sk"]
    assert result.sameSemantics(mart.select("event_name", "event_sk"))
