"""End to end: ``kedro run`` on the bundled sample builds every table of DESIGN §6.

The expected figures are computed here in plain Python straight from the sample JSON
(an independent implementation of the grain rules), not read back from Spark.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pyspark.sql import DataFrame, SparkSession
from sample_figures import expected_figures

from motors_meetup.contracts import all_contracts
from motors_meetup.datasets.delta_view import register_view

PROJECT_ROOT = Path(__file__).resolve().parents[1]
USER = "sample"

LAYER_TABLES = {
    "raw": ["raw_events", "raw_groups", "raw_users", "raw_venues"],
    "staging": [
        "stg_events",
        "stg_event_rsvps",
        "stg_groups",
        "stg_group_topics",
        "stg_users",
        "stg_memberships",
        "stg_venues",
    ],
    "intermediate": [
        "int_events_with_venues",
        "int_event_rsvps",
        "int_user_memberships_with_groups",
    ],
    "marts": [
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
    ],
    "pbi": [
        "pbi_dim_date",
        "pbi_dim_events",
        "pbi_dim_groups",
        "pbi_dim_users",
        "pbi_dim_venues",
        "pbi_fact_events",
        "pbi_fact_group_activity",
        "pbi_fact_group_memberships",
        "pbi_fact_rsvps",
        "pbi_fact_venue_activity",
    ],
}


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    """Figures computed from the sample JSON in plain Python."""
    return expected_figures()


@pytest.fixture(scope="module")
def warehouse(sample_warehouse: tuple[str, str]) -> Path:
    """The sample warehouse's catalog folder (built once for the test run)."""
    return Path(sample_warehouse[0]) / "workspace"


def _table(spark: SparkSession, warehouse: Path, layer: str, name: str) -> DataFrame:
    """A stored table, or (pbi) the view, as a new session would find it."""
    folder = warehouse / f"{USER}_{layer}" / name
    if layer == "pbi":
        return spark.table(register_view(spark, folder))
    return spark.read.format("delta").load(str(folder))


def test_every_table_of_the_design_is_written_as_delta_or_a_view(
    spark: SparkSession, warehouse: Path
) -> None:
    for layer, tables in LAYER_TABLES.items():
        stored = "_view.json" if layer == "pbi" else "_delta_log"
        for name in tables:
            assert (warehouse / f"{USER}_{layer}" / name / stored).exists(), (
                f"{layer}.{name} missing"
            )


def test_tables_are_registered_by_name(
    spark: SparkSession, warehouse: Path, expected: dict[str, Any]
) -> None:
    assert spark.table(f"{USER}_marts.dim_groups").count() == expected["dim_groups"]


def test_row_counts_match_the_grain_rules(
    spark: SparkSession, warehouse: Path, expected: dict[str, Any]
) -> None:
    counts = {
        ("raw", "raw_events"): expected["raw_events"],
        ("staging", "stg_events"): expected["events"],
        ("staging", "stg_event_rsvps"): expected["rsvps"],
        ("staging", "stg_groups"): expected["groups"],
        ("staging", "stg_users"): expected["users"],
        ("staging", "stg_venues"): expected["venues"],
        ("staging", "stg_memberships"): expected["memberships"],
        ("staging", "stg_group_topics"): expected["topics"],
        ("intermediate", "int_events_with_venues"): expected["events"],
        ("intermediate", "int_event_rsvps"): expected["rsvps"],
        ("intermediate", "int_user_memberships_with_groups"): expected["memberships"],
        ("marts", "dim_events"): expected["events"],
        ("marts", "dim_groups"): expected["dim_groups"],
        ("marts", "dim_users"): expected["dim_users"],
        ("marts", "dim_venues"): expected["dim_venues"],
        ("marts", "fact_rsvps"): expected["rsvps"],
        ("marts", "fact_event_attendance"): expected["events"],
        ("marts", "fact_group_memberships"): expected["memberships"],
        ("pbi", "pbi_fact_rsvps"): expected["rsvps"],
        ("pbi", "pbi_dim_users"): expected["dim_users"],
    }
    actual = {key: _table(spark, warehouse, *key).count() for key in counts}
    assert actual == counts


def test_every_table_key_is_unique_and_not_null(
    spark: SparkSession, warehouse: Path
) -> None:
    for dataset, model in all_contracts().items():
        layer, name = dataset.split(".")
        keys = list((model.to_schema().metadata or {}).get("key") or [])
        keys = keys or list(getattr(model.Config, "unique", None) or [])
        if not keys:
            continue
        table = _table(spark, warehouse, layer, name)
        total = table.count()
        distinct = table.select(*keys).dropna().distinct().count()
        assert distinct == total, f"{dataset} key {keys} not unique/not null"


def test_metrics_match_hand_computed_figures(
    spark: SparkSession, warehouse: Path, expected: dict[str, Any]
) -> None:
    facts = _table(spark, warehouse, "marts", "fact_rsvps")
    attendance = facts.agg({"total_attendance": "sum"}).first()[0]
    attending = facts.where("is_attending").count()
    inferred = _table(spark, warehouse, "marts", "dim_users").where("is_inferred")
    events = _table(spark, warehouse, "marts", "fact_event_attendance")
    assert attendance == expected["total_attendance"]
    assert attending == expected["attending"]
    assert inferred.count() == expected["inferred_users"]
    assert events.agg({"attending_count": "sum"}).first()[0] == expected["attending"]


def test_surrogate_keys_are_dbt_compatible_md5(
    spark: SparkSession, warehouse: Path
) -> None:
    users = _table(spark, warehouse, "marts", "dim_users")
    bad = users.where(
        "user_sk != md5(coalesce(user_id, '_dbt_utils_surrogate_key_null_'))"
    )
    assert bad.count() == 0


def test_an_in_process_run_leaves_the_suite_s_spark_options_in_force(
    spark: SparkSession, sample_warehouse: tuple[str, str]
) -> None:
    # A run re-applies its env's spark.yml to the shared session (the sample was
    # built in-process): the suite's env is `test`, so its options stay in force,
    # not the base's larger ones.
    suite = yaml.safe_load((PROJECT_ROOT / "conf/test/spark.yml").read_text())
    base = yaml.safe_load((PROJECT_ROOT / "conf/base/spark.yml").read_text())
    runtime = (
        "spark.sql.shuffle.partitions",
        "spark.databricks.delta.snapshotPartitions",
    )
    assert all(str(suite[key]) != str(base[key]) for key in runtime)
    assert {key: spark.conf.get(key) for key in runtime} == {
        key: str(suite[key]).lower() for key in runtime
    }
