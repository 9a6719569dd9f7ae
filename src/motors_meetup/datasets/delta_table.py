"""``DeltaTableDataset``: a warehouse table stored as Delta Lake.

Two storage modes, one class, so no pipeline code knows the environment:

* **path mode** (``warehouse_dir`` set; local): the table lives at
  ``<warehouse_dir>/<catalog>/<schema>/<table>`` and is also registered in Spark's
  session catalog as ``<schema>.<table>`` so it can be queried by name.
* **table mode** (no ``warehouse_dir``; Databricks Unity Catalog): the table is the
  named table ``<catalog>.<schema>.<table>`` (``saveAsTable`` / ``MERGE INTO``).

Writes are ``overwrite`` (schema replaced), ``append`` or ``merge`` (Delta MERGE on
``primary_key``: matched rows updated — only where ``update_condition`` holds, if
given — new rows inserted; the table is created on the first write). A ``merge``
table is overwritten instead when ``full_refresh`` is true, and an empty increment
is not written at all, so a run with no new input leaves the table untouched.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

from delta.tables import DeltaTable
from kedro.io import AbstractDataset, DatasetError
from pyspark.sql import DataFrame, SparkSession

logger = logging.getLogger(__name__)

WRITE_MODES = ("overwrite", "append", "merge")
TRUE_WORDS = ("true", "1", "yes")


@dataclass(frozen=True)
class TableLocation:
    """Where a table lives: its name in the Spark catalog and, locally, its path."""

    catalog: str | None
    schema: str
    table: str
    warehouse_dir: str | None = None
    _names: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for part in (self.schema, self.table):
            if not part or not part.replace("_", "").isalnum():
                raise DatasetError(
                    f"Invalid table name part {part!r}: use letters, digits and _"
                )

    @property
    def path(self) -> str | None:
        """The Delta table's folder in path mode, else None."""
        if self.warehouse_dir is None:
            return None
        root = self.warehouse_dir.rstrip("/")
        if "://" not in root and not root.startswith("/"):
            root = os.path.abspath(root)
        parts = [root, self.catalog, self.schema, self.table]
        return "/".join(part for part in parts if part)

    @property
    def name(self) -> str:
        """The name Spark SQL knows the table by."""
        if self.warehouse_dir is None and self.catalog:
            return f"`{self.catalog}`.`{self.schema}`.`{self.table}`"
        return f"`{self.schema}`.`{self.table}`"

    @property
    def schema_name(self) -> str:
        """The (catalog-qualified in table mode) schema holding the table."""
        if self.warehouse_dir is None and self.catalog:
            return f"`{self.catalog}`.`{self.schema}`"
        return f"`{self.schema}`"


class DeltaTableDataset(AbstractDataset[DataFrame, DataFrame]):
    """A Delta Lake table, loaded and saved as a Spark DataFrame."""

    _SINGLE_PROCESS: ClassVar[bool] = True

    def __init__(  # noqa: PLR0913
        self,
        *,
        table: str,
        schema: str,
        catalog: str | None = None,
        warehouse_dir: str | None = None,
        write_mode: str = "overwrite",
        primary_key: str | list[str] | None = None,
        partition_columns: list[str] | None = None,
        update_condition: str | None = None,
        full_refresh: bool | str = False,
        empty_schema: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if write_mode not in WRITE_MODES:
            raise DatasetError(
                f"write_mode {write_mode!r} is not one of {', '.join(WRITE_MODES)}"
            )
        keys = [primary_key] if isinstance(primary_key, str) else primary_key or []
        if write_mode == "merge" and not keys:
            raise DatasetError(f"Table {table!r}: write_mode 'merge' needs primary_key")
        self._location = TableLocation(catalog, schema, table, warehouse_dir)
        self._write_mode = write_mode
        self._primary_key = keys
        self._partition_columns = partition_columns or []
        self._update_condition = update_condition
        self._full_refresh = str(full_refresh).strip().lower() in TRUE_WORDS
        self._empty_schema = empty_schema
        self.metadata = metadata

    @property
    def location(self) -> TableLocation:
        """Where the table lives."""
        return self._location

    def _describe(self) -> dict[str, Any]:
        return {
            "table": self._location.name,
            "path": self._location.path,
            "write_mode": self._write_mode,
            "primary_key": self._primary_key,
            "partition_columns": self._partition_columns,
            "full_refresh": self._full_refresh,
        }

    @staticmethod
    def _spark() -> SparkSession:
        return SparkSession.builder.getOrCreate()

    def _load(self) -> DataFrame:
        spark = self._spark()
        if self._empty_schema is not None and not self._exists():
            # A bookkeeping table that the first run has not written yet.
            return spark.createDataFrame([], self._empty_schema)
        if self._location.path is not None:
            return spark.read.format("delta").load(self._location.path)
        return spark.read.table(self._location.name)

    def _exists(self) -> bool:
        spark = self._spark()
        if self._location.path is not None:
            return DeltaTable.isDeltaTable(spark, self._location.path)
        return spark.catalog.tableExists(self._location.name.replace("`", ""))

    def _save(self, data: DataFrame) -> None:
        merging = self._write_mode == "merge" and not self._full_refresh
        if merging and self._exists():
            if data.isEmpty():
                logger.info(
                    "No changes for %s: table left as it is", self._location.name
                )
                return
            self._merge(data)
        else:
            mode = "append" if self._write_mode == "append" else "overwrite"
            self._write(data, mode)
        self._register()

    def _write(self, data: DataFrame, mode: str) -> None:
        writer = data.write.format("delta").mode(mode)
        if mode == "overwrite":
            writer = writer.option("overwriteSchema", "true")
        else:
            writer = writer.option("mergeSchema", "true")
        if self._partition_columns:
            writer = writer.partitionBy(*self._partition_columns)
        if self._location.path is not None:
            writer.save(self._location.path)
        else:
            self._spark().sql(
                f"CREATE SCHEMA IF NOT EXISTS {self._location.schema_name}"
            )
            writer.saveAsTable(self._location.name)

    def _merge(self, data: DataFrame) -> None:
        spark = self._spark()
        if self._location.path is not None:
            target = DeltaTable.forPath(spark, self._location.path)
        else:
            target = DeltaTable.forName(spark, self._location.name)
        condition = " AND ".join(
            f"t.`{key}` <=> s.`{key}`" for key in self._primary_key
        )
        (
            target.alias("t")
            .merge(data.alias("s"), condition)
            .whenMatchedUpdateAll(condition=self._update_condition)
            .whenNotMatchedInsertAll()
            .execute()
        )

    def _register(self) -> None:
        """Path mode: make the table queryable by name in this Spark session."""
        if self._location.path is None:
            return
        spark = self._spark()
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {self._location.schema_name}")
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS {self._location.name} "
            f"USING DELTA LOCATION '{self._location.path}'"
        )
