"""Maintenance of the stored Delta tables: compact small files, drop old ones.

Incremental runs MERGE small increments, and every MERGE leaves a few small files
and the rewritten files' old versions behind. ``OPTIMIZE`` compacts a table's small
files into large ones (optionally Z-ordered by the columns readers filter on);
``VACUUM`` deletes the files no table version within the retention period needs.
Both are side effects on the stored tables, so this pipeline runs on its own
(``kedro run --pipelines maintenance``, or the weekly job's last step), never
inside a warehouse build.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.contracts.registry import all_contracts
from motors_meetup.datasets.delta_table import TableLocation

logger = logging.getLogger(__name__)

# Delta refuses a shorter VACUUM retention unless its safety check is turned off:
# readers and writers still using an older version would lose its files.
MIN_RETENTION_HOURS = 168
BOOKKEEPING_TABLES = ("audit.processed_files",)
VIEW_LAYER = "pbi."
REPORT_SCHEMA = (
    "table string, files_before long, files_after long, bytes_after long, "
    "files_compacted long, files_vacuumed long, seconds double"
)


def maintained_tables(tables: list[str] | None) -> list[str]:
    """The ``<layer>.<table>`` names to maintain: ``tables``, or when empty every
    table with a contract and the batch bookkeeping. The pbi layer is views, which
    hold no files to compact or vacuum."""
    if tables:
        return list(tables)
    stored = [name for name in all_contracts() if not name.startswith(VIEW_LAYER)]
    return [*stored, *BOOKKEEPING_TABLES]


def table_location(name: str, warehouse: dict[str, Any]) -> TableLocation:
    """Where the table ``<layer>.<table>`` is stored, from the run's globals
    (``catalog``, ``schemas``, ``warehouse_dir``) as the catalog resolves them."""
    layer, table = name.split(".", 1)
    return TableLocation(
        warehouse.get("catalog"),
        warehouse["schemas"][layer],
        table,
        warehouse.get("warehouse_dir"),
    )


def maintain_tables(
    maintenance: dict[str, Any], warehouse: dict[str, Any]
) -> DataFrame:
    """OPTIMIZE then VACUUM each table; one row per table maintained, key ``table``
    (plus when it ran: the log is appended to). Tables not stored yet are skipped.
    """
    retention = float(maintenance["vacuum_retention_hours"])
    if retention < MIN_RETENTION_HOURS:
        raise ValueError(
            f"maintenance.vacuum_retention_hours is {retention:g}: below "
            f"{MIN_RETENTION_HOURS} hours VACUUM may delete files that a running job "
            "or a time-travel query still reads. Raise it in "
            "conf/base/parameters_maintenance.yml."
        )
    spark = SparkSession.builder.getOrCreate()
    zorder = maintenance.get("zorder_by") or {}
    rows = []
    for name in maintained_tables(maintenance.get("tables")):
        location = table_location(name, warehouse)
        target = _delta_table(spark, location)
        if target is None:
            logger.info("Maintenance: %s is not stored yet, skipped", name)
            continue
        optimize = bool(maintenance.get("optimize", True))
        sql_name = (
            f"delta.`{location.path}`" if location.path is not None else location.name
        )
        rows.append(
            _maintain(name, target, sql_name, optimize, zorder.get(name), retention)
        )
    return spark.createDataFrame(rows, REPORT_SCHEMA).withColumn(
        "maintained_at", F.current_timestamp()
    )


def _delta_table(spark: SparkSession, location: TableLocation) -> DeltaTable | None:
    if location.path is not None:
        if not DeltaTable.isDeltaTable(spark, location.path):
            return None
        return DeltaTable.forPath(spark, location.path)
    if not spark.catalog.tableExists(location.name.replace("`", "")):
        return None
    return DeltaTable.forName(spark, location.name)


def _maintain(
    name: str,
    target: DeltaTable,
    sql_name: str,
    optimize: bool,
    zorder_by: list[str] | None,
    retention_hours: float,
) -> tuple[str, int, int, int, int, int, float]:
    started = time.perf_counter()
    files_before = _detail(target)["numFiles"]
    compacted = 0
    if optimize:
        builder = target.optimize()
        result = (
            builder.executeZOrderBy(*zorder_by)
            if zorder_by
            else builder.executeCompaction()
        )
        compacted = int(result.first()["metrics"]["numFilesRemoved"])
    vacuumed = _vacuum(target, sql_name, retention_hours)
    after = _detail(target)
    seconds = time.perf_counter() - started
    logger.info(
        "Maintenance: %s %d -> %d files (%d compacted, %d old files vacuumed) in %.1fs",
        name,
        files_before,
        after["numFiles"],
        compacted,
        vacuumed,
        seconds,
    )
    return (
        name,
        files_before,
        after["numFiles"],
        after["sizeInBytes"],
        compacted,
        vacuumed,
        seconds,
    )


def _detail(target: DeltaTable) -> dict[str, int]:
    row = target.detail().first()
    return {"numFiles": int(row["numFiles"]), "sizeInBytes": int(row["sizeInBytes"])}


def _vacuum(target: DeltaTable, sql_name: str, retention_hours: float) -> int:
    """VACUUM the table; the number of files it deleted (listed by a dry run)."""
    spark = SparkSession.builder.getOrCreate()
    doomed = spark.sql(
        f"VACUUM {sql_name} RETAIN {retention_hours:g} HOURS DRY RUN"
    ).count()
    target.vacuum(retention_hours)
    return doomed
