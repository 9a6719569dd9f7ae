"""OPTIMIZE and VACUUM of stored tables, on a small path-mode Delta table."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from motors_meetup.contracts.registry import all_contracts
from motors_meetup.pipelines.maintenance.nodes import (
    maintain_tables,
    maintained_tables,
    table_location,
)
from motors_meetup.pipelines.maintenance.pipeline import create_pipeline

SCHEMAS = {"marts": "t_marts", "audit": "t_audit"}


def _settings(**overrides: object) -> dict:
    return {"optimize": True, "vacuum_retention_hours": 168, "tables": []} | overrides


def _warehouse(root: Path) -> dict:
    return {"catalog": "workspace", "schemas": SCHEMAS, "warehouse_dir": str(root)}


def test_small_files_are_compacted_and_logged(
    spark: SparkSession, tmp_path: Path
) -> None:
    path = f"{tmp_path}/workspace/t_marts/fact_x"
    for number in range(3):  # three appends: three small files
        spark.createDataFrame(
            [(number, f"v{number}")], "id int, v string"
        ).write.format("delta").mode("append").save(path)

    log = maintain_tables(
        _settings(tables=["marts.fact_x", "marts.not_built"]), _warehouse(tmp_path)
    )

    [row] = log.collect()
    assert (row.table, row.files_before, row.files_after) == ("marts.fact_x", 3, 1)
    assert (row.files_compacted, row.files_vacuumed) == (3, 0)  # all files are young
    assert row.maintained_at is not None
    stored = spark.read.format("delta").load(path)
    assert sorted(tuple(r) for r in stored.collect()) == [
        (0, "v0"),
        (1, "v1"),
        (2, "v2"),
    ]


def test_vacuum_deletes_unreferenced_files_older_than_the_retention_only(
    spark: SparkSession, tmp_path: Path
) -> None:
    path = tmp_path / "workspace" / "t_marts" / "fact_x"
    spark.createDataFrame([(1, "v1")], "id int, v string").write.format("delta").save(
        str(path)
    )
    # Files the table does not reference (left by a crashed writer, say): one
    # written eight days ago, one just now.
    stale, young = path / "part-stale.parquet", path / "part-young.parquet"
    for stray in (stale, young):
        stray.write_bytes(b"not referenced by the table")
    eight_days_ago = time.time() - 8 * 24 * 3600
    os.utime(stale, (eight_days_ago, eight_days_ago))

    log = maintain_tables(
        _settings(optimize=False, tables=["marts.fact_x"]), _warehouse(tmp_path)
    )

    [row] = log.collect()
    assert (row.files_before, row.files_after) == (1, 1)
    assert (row.files_compacted, row.files_vacuumed) == (0, 1)
    assert (stale.exists(), young.exists()) == (False, True)
    stored = spark.read.format("delta").load(str(path))
    assert [tuple(r) for r in stored.collect()] == [(1, "v1")]


def test_a_retention_below_seven_days_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"vacuum_retention_hours is 24: below 168"):
        maintain_tables(_settings(vacuum_retention_hours=24), _warehouse(tmp_path))


def test_default_is_every_stored_contract_table_and_the_bookkeeping() -> None:
    tables = maintained_tables([])

    stored = [name for name in all_contracts() if not name.startswith("pbi.")]
    assert tables == [*stored, "audit.processed_files"]
    assert "marts.fact_rsvps" in tables
    assert len(all_contracts()) - len(stored) == 10  # the pbi views


def test_location_follows_the_catalog_globals(tmp_path: Path) -> None:
    local = table_location("marts.dim_users", _warehouse(tmp_path))
    remote = table_location(
        "marts.dim_users", {"catalog": "prd", "schemas": {"marts": "marts"}}
    )

    assert local.path == f"{tmp_path}/workspace/t_marts/dim_users"
    assert (remote.path, remote.name) == (None, "`prd`.`marts`.`dim_users`")


def test_pipeline_is_one_node_writing_the_maintenance_log() -> None:
    [node] = create_pipeline().nodes

    assert node.outputs == ["audit.maintenance_log"]
    assert node.inputs == ["params:maintenance", "params:maintenance_warehouse"]
