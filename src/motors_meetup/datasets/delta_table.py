"""``DeltaTableDataset``: a warehouse table stored as Delta Lake.

Two storage modes, one class, so no pipeline code knows the environment:

* **path mode** (``warehouse_dir`` set; local): the table lives at
  ``<warehouse_dir>/<catalog>/<schema>/<table>`` and is also registered in Spark's
  session catalog as ``<schema>.<table>`` so it can be queried by name.
* **table mode** (no ``warehouse_dir``; Databricks Unity Catalog): the table is the
  named table ``<catalog>.<schema>.<table>`` (``saveAsTable`` / ``MERGE INTO``).

Writes are ``overwrite`` (schema replaced), ``append``, ``merge`` (Delta MERGE on
``primary_key``: matched rows updated — only where ``update_condition`` holds, if
given, and with ``skip_unchanged`` only when a column other than the ``_``-prefixed
audit columns differs — new rows inserted; the table is created on the first write;
on a copy-on-write table, a MERGE that would write no row is not run)
or ``insert`` (rows of one batch, appended; a second write of the same batch
replaces the rows the first wrote, so a rerun after a crash cannot duplicate them,
and no row of earlier batches is read). A ``merge`` or ``insert`` table is
overwritten instead when ``full_refresh`` is true, and an empty increment writes
no rows, so a run with no new input leaves the table's rows untouched.
``table_properties`` (e.g. ``delta.enableDeletionVectors``) are set when the table
is created, and altered on an existing table whose properties differ.
``rebuild: on_input_change`` (overwrite and merge tables): a table whose build
stamp (:mod:`motors_meetup.rebuilds`: input versions, parameters, code) is the one
stored with its last commit is kept as it is instead of being written again. A
merged table whose increment is empty stores a new stamp in a commit without data
(an empty append that carries the state of its rows forward).

For kedro-viz and the docs (no Spark needed): :attr:`DeltaTableDataset.description`
is the table's contract description, :meth:`DeltaTableDataset.table_preview` the
first rows of a path-mode table read straight from its Delta log and Parquet files,
and :meth:`DeltaTableDataset.preview` both as the HTML card kedro-viz shows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NewType

from delta.tables import DeltaTable
from kedro.io import AbstractDataset, DatasetError
from pyspark.sql import DataFrame, DataFrameWriter, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from motors_meetup.incremental import BATCH_COLUMN
from motors_meetup.plans import nothing_to_write
from motors_meetup.rebuilds import commit_metadata, data_state_of, stamp_of

# Held while a commit runs with a session setting of its own (a MERGE's build
# stamp, an empty commit's): Spark session settings are shared by all threads.
_SESSION_SETTINGS_LOCK = threading.RLock()

logger = logging.getLogger(__name__)

WRITE_MODES = ("overwrite", "append", "merge", "insert")
REBUILDS = ("always", "on_input_change")
TRUE_WORDS = ("true", "1", "yes")
USER_METADATA_OPTION = "spark.databricks.delta.commitInfo.userMetadata"
# Delta drops a blind append that adds no file unless this is false.
SKIP_EMPTY_COMMITS_OPTION = "spark.databricks.delta.skipRecordingEmptyCommits"
DELETION_VECTORS_PROPERTY = "delta.enableDeletionVectors"
PREVIEW_ROWS = 5

# kedro-viz picks how to render a preview from the name of ``preview()``'s return
# annotation (the same NewTypes as kedro_datasets._typing, which we do not depend on).
TablePreview = NewType("TablePreview", dict)
HTMLPreview = NewType("HTMLPreview", str)


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


class WarehouseDataset(AbstractDataset[DataFrame, DataFrame]):
    """What a warehouse table and a view of one share: a location, a description
    and kedro-viz's preview card (read without starting Spark)."""

    _location: TableLocation
    metadata: dict[str, Any] | None

    @property
    def location(self) -> TableLocation:
        """Where the table (or the view's definition) lives."""
        return self._location

    @property
    def description(self) -> str:
        """Its description: its contract's (grain and key), else the catalog's
        ``metadata.description``."""
        from motors_meetup.docs.data_dictionary import table_description  # noqa: PLC0415

        return table_description(self._location.table, self.metadata)

    def preview(self, nrows: int = PREVIEW_ROWS) -> HTMLPreview:
        """kedro-viz's card: description, first ``nrows`` rows and column docs.

        Never raises and never starts Spark: one not built yet gets the card
        without rows (``nrows`` comes from ``metadata.kedro-viz.preview_args``).
        """
        from motors_meetup.docs.data_dictionary import dataset_card  # noqa: PLC0415

        return HTMLPreview(dataset_card(self, self.table_preview(nrows)))

    def table_preview(self, nrows: int = PREVIEW_ROWS) -> TablePreview:
        """The first ``nrows`` rows as kedro-viz's ``TablePreview`` dict
        (``index``, ``columns``, ``data``); no columns and no rows when it is not
        built yet or cannot be read without Spark."""
        try:
            columns, rows = self._head(nrows)
        except Exception as error:  # noqa: BLE001 - a preview must never fail viz
            logger.warning("No preview of %s: %s", self._location.name, error)
            columns, rows = [], []
        return TablePreview(
            {"index": list(range(len(rows))), "columns": columns, "data": rows}
        )

    def _head(self, nrows: int) -> tuple[list[str], list[list[Any]]]:
        """Column names and the first ``nrows`` rows, for the preview."""
        raise NotImplementedError

    @staticmethod
    def _spark() -> SparkSession:
        return SparkSession.builder.getOrCreate()

    def _spark_head(self, nrows: int) -> tuple[list[str], list[list[Any]]]:
        """Table mode: the first rows, only through an already running session
        (on Databricks); a preview must not start a JVM."""
        spark = SparkSession.getActiveSession()
        if spark is None or not self._exists():
            return [], []
        table = spark.read.table(self._location.name)
        head = table.limit(nrows).collect()
        return table.columns, [[_cell(value) for value in row] for row in head]


class DeltaTableDataset(WarehouseDataset):
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
        batch_column: str = BATCH_COLUMN,
        partition_columns: list[str] | None = None,
        update_condition: str | None = None,
        skip_unchanged: bool | str = False,
        full_refresh: bool | str = False,
        empty_schema: str | None = None,
        table_properties: dict[str, Any] | None = None,
        rebuild: str = "always",
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if write_mode not in WRITE_MODES:
            raise DatasetError(
                f"write_mode {write_mode!r} is not one of {', '.join(WRITE_MODES)}"
            )
        if rebuild not in REBUILDS:
            raise DatasetError(
                f"rebuild {rebuild!r} is not one of {', '.join(REBUILDS)}"
            )
        keys = [primary_key] if isinstance(primary_key, str) else primary_key or []
        if write_mode == "merge" and not keys:
            raise DatasetError(f"Table {table!r}: write_mode 'merge' needs primary_key")
        self._location = TableLocation(catalog, schema, table, warehouse_dir)
        self._write_mode = write_mode
        self._primary_key = keys
        self._batch_column = batch_column
        self._partition_columns = partition_columns or []
        self._update_condition = update_condition
        self._skip_unchanged = str(skip_unchanged).strip().lower() in TRUE_WORDS
        self._full_refresh = str(full_refresh).strip().lower() in TRUE_WORDS
        self._empty_schema = empty_schema
        self._properties = {
            str(key): str(value).lower() if isinstance(value, bool) else str(value)
            for key, value in (table_properties or {}).items()
        }
        self._rebuild = rebuild
        # Set by prepare_rebuild for the next save: the commit's userMetadata, the
        # stored version to keep instead of writing, and (a merged table) the
        # metadata of a commit without data should the increment be empty.
        self._commit_metadata: str | None = None
        self._kept_version: int | None = None
        self._stamp_only_metadata: str | None = None
        self.metadata = metadata

    @property
    def storage(self) -> dict[str, Any]:
        """How the table is written: the catalog's options, for the docs."""
        return {
            "write_mode": self._write_mode,
            "primary_key": list(self._primary_key),
            "partition_columns": list(self._partition_columns),
            "update_condition": self._update_condition,
            "skip_unchanged": self._skip_unchanged,
            "table_properties": dict(self._properties),
            "rebuild": self._rebuild,
        }

    @property
    def rebuilds_on_input_change(self) -> bool:
        """True for a rebuilt or merged table kept when its build stamp did not
        change."""
        return self._rebuild == "on_input_change" and self._write_mode in (
            "overwrite",
            "merge",
        )

    @property
    def merges(self) -> bool:
        """True for a table that MERGEs each batch's rows (``write_mode: merge``)."""
        return self._write_mode == "merge"

    @property
    def keeps_stored_table(self) -> bool:
        """True when the next save keeps the stored table (see prepare_rebuild)."""
        return self._kept_version is not None

    def version(self) -> int | None:
        """The table's current Delta version; None when it is not built yet."""
        last = self._last_commit()
        return None if last is None else last.version

    def state(self) -> str | None:
        """``<version>@<time>`` of the newest commit that wrote data; None when not
        built yet. The time tells a table created again (versions restart at 0)
        from the old one. A commit without data (a merged table's new stamp after
        an empty increment) carries the state before it, so the tables built from
        this one are kept."""
        last = self._last_commit()
        return None if last is None else _data_state(last)

    def prepare_rebuild(self, stamp: str | None, inputs: dict[str, str | None]) -> bool:
        """Get ready for the next save of a stamped table: True when the stored
        table carries this build ``stamp`` already (the save then keeps it), else
        the write (overwrite or MERGE) will store the stamp. None (no stamp
        possible) always writes.

        The stamp is extended with this table's storage settings, so changing them
        in the catalog rebuilds the table. A full refresh always rebuilds.
        """
        self._kept_version = None
        self._commit_metadata = None
        self._stamp_only_metadata = None
        if stamp is None or not self.rebuilds_on_input_change:
            return False
        own = json.dumps([stamp, self.storage], sort_keys=True, default=str)
        own = hashlib.sha256(own.encode()).hexdigest()
        self._commit_metadata = commit_metadata(own, inputs)
        last = None if self._full_refresh else self._last_commit()
        if last is not None and stamp_of(last.user_metadata) == own:
            self._kept_version = last.version
        elif last is not None and self.merges:
            self._stamp_only_metadata = commit_metadata(own, inputs, _data_state(last))
        return self.keeps_stored_table

    def _last_commit(self) -> DeltaCommit | None:
        """The table's newest commit; None when the table is not built yet.

        A local table's log is read from disk (no Spark job: a rebuilt task asks
        this of each input); elsewhere Delta's history gives it.
        """
        path = self._location.path
        if path is not None and "://" not in path:
            return read_last_commit(Path(path))
        if not self._exists():
            return None
        history = self._delta_table().history(1)
        row = history.select("version", "timestamp", "userMetadata").first()
        if row is None:
            return None
        return DeltaCommit(int(row[0]), str(row[1]), row[2])

    def _describe(self) -> dict[str, Any]:
        return {
            "table": self._location.name,
            "path": self._location.path,
            "write_mode": self._write_mode,
            "primary_key": self._primary_key,
            "partition_columns": self._partition_columns,
            "full_refresh": self._full_refresh,
            "description": self.description,
        }

    def _head(self, nrows: int) -> tuple[list[str], list[list[Any]]]:
        if self._location.path is not None:
            return read_delta_head(Path(self._location.path), nrows)
        return self._spark_head(nrows)

    def snapshot(self) -> DeltaSnapshot | None:
        """The table's current Delta snapshot (path mode), or None if not built."""
        if self._location.path is None:
            return None
        return read_delta_snapshot(Path(self._location.path))

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
        try:
            self._save_once(data)
        finally:
            self._commit_metadata = None
            self._kept_version = None
            self._stamp_only_metadata = None

    def _save_once(self, data: DataFrame) -> None:
        if self._kept_version is not None:
            logger.info(
                "%s kept at version %d: written from the same input versions, "
                "parameters and code",
                self._location.name,
                self._kept_version,
            )
            return
        incremental = self._write_mode in ("merge", "insert") and not self._full_refresh
        exists = self._exists()
        if incremental and exists and nothing_to_write(data):
            self._nothing_new()
            return
        if exists:
            self._align_properties()
        if not (incremental and exists):
            mode = "append" if self._write_mode == "append" else "overwrite"
            self._write(data, mode)
        elif self._write_mode == "insert":
            if not self._insert(data):
                return
        else:
            with _computed_once(data) as increment:
                if self._writes_nothing(increment):
                    self._store_stamp_only()
                    return
                self._merge(increment)
        self._register()

    def _nothing_new(self) -> None:
        """The node had no new input and says so in its output's plan
        (:func:`~motors_meetup.plans.nothing_to_write`): no row to check, count or
        merge, so none of their Spark jobs run. A stamped merged table still
        stores its stamp, as for any empty increment."""
        if self._stamp_only_metadata is not None:  # set for merged tables only
            self._store_stamp_only()
            return
        logger.info("No new input for %s: table left as it is", self._location.name)

    def _unchanged(self) -> None:
        logger.info("No changes for %s: table left as it is", self._location.name)

    def _store_stamp_only(self) -> None:
        """An empty increment: no row changes. A stamped merged table stores its
        new stamp in a commit without data (an empty append of its own columns),
        so the next run with the same stamp keeps the table instead of computing
        the empty increment again."""
        if self._stamp_only_metadata is None:
            self._unchanged()
            return
        writer = (
            self._load()
            .limit(0)
            .write.format("delta")
            .mode("append")
            .option("userMetadata", self._stamp_only_metadata)
        )
        refused = "an empty increment stores no build stamp"
        with _session_setting(
            self._spark(), SKIP_EMPTY_COMMITS_OPTION, "false", refused
        ) as recorded:
            if not recorded:
                self._unchanged()
                return
            self._store(writer)
        logger.info(
            "No changes for %s: rows left as they are, build stamp stored",
            self._location.name,
        )

    def _insert(self, data: DataFrame) -> bool:
        """Append one batch's rows, replacing any the same batch wrote before; False
        when there were none.

        ``replaceWhere`` on the batch column: Delta skips every file whose batch
        statistics exclude the batch, so the cost does not grow with the table, and
        it refuses rows of another batch (one batch per write).
        """
        if self._batch_column not in data.columns:
            raise DatasetError(
                f"Table {self._location.name}: write_mode 'insert' needs a "
                f"{self._batch_column} column"
            )
        first = data.select(self._batch_column).limit(1).first()
        if first is None:
            self._unchanged()
            return False
        if first[0] is None:
            raise DatasetError(
                f"Table {self._location.name}: rows without {self._batch_column}"
            )
        writer = (
            data.write.format("delta")
            .mode("overwrite")
            .option("replaceWhere", f"`{self._batch_column}` = {int(first[0])}")
            .option("mergeSchema", "true")
        )
        self._store(writer)
        return True

    def _write(self, data: DataFrame, mode: str) -> None:
        writer = data.write.format("delta").mode(mode)
        if mode == "overwrite":
            writer = writer.option("overwriteSchema", "true")
        else:
            writer = writer.option("mergeSchema", "true")
        if self._partition_columns:
            writer = writer.partitionBy(*self._partition_columns)
        for key, value in self._properties.items():
            # Taken as table properties when the write creates the table.
            writer = writer.option(key, value)
        if self._commit_metadata is not None:
            writer = writer.option("userMetadata", self._commit_metadata)
        self._store(writer)

    def _store(self, writer: DataFrameWriter) -> None:
        """Run ``writer`` against the table's path, or its name in table mode."""
        if self._location.path is not None:
            writer.save(self._location.path)
        else:
            self._spark().sql(
                f"CREATE SCHEMA IF NOT EXISTS {self._location.schema_name}"
            )
            writer.saveAsTable(self._location.name)

    def _delta_table(self) -> DeltaTable:
        spark = self._spark()
        if self._location.path is not None:
            return DeltaTable.forPath(spark, self._location.path)
        return DeltaTable.forName(spark, self._location.name)

    def _align_properties(self) -> None:
        """Set the configured table properties an existing table lacks."""
        if not self._properties:
            return
        current = self._delta_table().detail().first()["properties"] or {}
        wrong = {k: v for k, v in self._properties.items() if current.get(k) != v}
        if not wrong:
            return
        target = (
            f"delta.`{self._location.path}`"
            if self._location.path is not None
            else self._location.name
        )
        assignments = ", ".join(f"'{key}' = '{value}'" for key, value in wrong.items())
        self._spark().sql(f"ALTER TABLE {target} SET TBLPROPERTIES ({assignments})")
        logger.info("Table properties of %s set: %s", self._location.name, wrong)

    def _merge(self, data: DataFrame) -> None:
        target = self._delta_table()
        merge = (
            target.alias("t")
            .merge(data.alias("s"), self._key_condition())
            .whenMatchedUpdateAll(condition=self._matched_condition(data))
            .whenNotMatchedInsertAll()
        )
        with _commit_user_metadata(self._spark(), self._commit_metadata):
            merge.execute()

    def _writes_nothing(self, increment: DataFrame) -> bool:
        """Whether the MERGE of ``increment`` would write no row: it is empty, or,
        on a copy-on-write table with a matched condition, every row matches a
        stored row that the condition refuses to update.

        A copy-on-write MERGE rewrites the files holding its matched rows and
        commits even when the condition refuses them all (checked: 0 rows updated,
        2 copied); with deletion vectors it commits nothing. So a re-delivered but
        unchanged entity would give the table a new version with the same rows, and
        every table built from it would be rebuilt instead of kept. The check is
        the emptiness check every MERGE makes, joined with the stored rows.
        """
        condition = self._matched_condition(increment)
        deletion_vectors = self._properties.get(DELETION_VECTORS_PROPERTY) != "false"
        if condition is None or deletion_vectors:
            return increment.isEmpty()
        refused = f"{self._key_condition()} AND NOT ({condition})"
        stored = self._delta_table().toDF().alias("t")
        return increment.alias("s").join(stored, F.expr(refused), "left_anti").isEmpty()

    def _key_condition(self) -> str:
        return " AND ".join(f"t.`{key}` <=> s.`{key}`" for key in self._primary_key)

    def _matched_condition(self, data: DataFrame) -> str | None:
        """When a matched row is updated: ``update_condition``, and with
        ``skip_unchanged`` only if a business column differs. An unchanged row then
        keeps its ``_batch_id``, so later nodes do not recompute from it."""
        conditions = [self._update_condition] if self._update_condition else []
        if self._skip_unchanged:
            compared = [name for name in data.columns if not name.startswith("_")]
            same = " AND ".join(f"s.`{name}` <=> t.`{name}`" for name in compared)
            conditions.append(f"NOT ({same})")
        return " AND ".join(f"({c})" for c in conditions) or None

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


@contextmanager
def _computed_once(data: DataFrame) -> Iterator[DataFrame]:
    """``data``, cached inside the block unless it is cached already (a contract
    check caches the frame it checks).

    A MERGE reads its source in each of its phases (find the touched files, write
    deletion vectors, rewrite), and the emptiness check reads it once more; Delta's
    own copy of the source is off (``merge.materializeSource: none``, spark.yml), so
    without a cache the increment's joins would run four times.
    """
    if data.is_cached:
        yield data
        return
    cached = data.persist()
    try:
        yield cached
    finally:
        cached.unpersist()


@contextmanager
def _commit_user_metadata(spark: SparkSession, metadata: str | None) -> Iterator[None]:
    """Give the commits made inside the block ``metadata`` as their ``userMetadata``.

    A MERGE has no writer option for it; Delta reads the session setting instead.
    The setting is session-wide, so under a threaded runner (``kedro run``'s
    default) the block holds :data:`_SESSION_SETTINGS_LOCK`: another thread's MERGE
    can neither take this stamp nor unset it before this commit. A concurrent
    write without a stamp of its own (a raw or audit table) may record it; a stamp
    names its node and output, so that never makes a table be kept wrongly.
    Where the session refuses the setting (Databricks serverless allows only a few
    keys), the commit goes without it: the table is then merged in every run.
    """
    if metadata is None:
        yield
        return
    refused = "merged tables get no build stamp and are merged in every run"
    with _session_setting(spark, USER_METADATA_OPTION, metadata, refused):
        yield


@contextmanager
def _session_setting(
    spark: SparkSession, key: str, value: str, refused: str
) -> Iterator[bool]:
    """Set the session setting ``key`` to ``value`` inside the block, then restore
    it; yields False (and logs ``refused``, the consequence) when the session
    refuses the setting. One thread at a time changes session settings: the block
    holds :data:`_SESSION_SETTINGS_LOCK` until the setting is restored."""
    with _SESSION_SETTINGS_LOCK:
        try:
            # Reading may be refused too (Databricks serverless allows few keys).
            before = spark.conf.get(key, None)
            spark.conf.set(key, value)
        except Exception as error:  # any refusal only costs a build stamp
            logger.warning("Cannot set %s (%s): %s", key, error, refused)
            yield False
            return
        try:
            yield True
        finally:
            if before is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, before)


# ---- reading a path-mode Delta table without Spark (previews and docs) ----------


@dataclass(frozen=True)
class DeltaCommit:
    """A table's newest commit: version, time and the writer's ``userMetadata``."""

    version: int
    timestamp: str | None
    user_metadata: str | None


def _data_state(commit: DeltaCommit) -> str:
    """The state of a table's data as of ``commit`` (see DeltaTableDataset.state)."""
    carried = data_state_of(commit.user_metadata)
    return carried if carried is not None else f"{commit.version}@{commit.timestamp}"


def read_last_commit(table_dir: Path) -> DeltaCommit | None:
    """The newest commit in ``_delta_log``; None when ``table_dir`` is no table.

    Log clean-up removes old commit files only, so the newest one is always there.
    """
    log = table_dir / "_delta_log"
    if not log.is_dir():
        return None
    commits = [path for path in log.glob("*.json") if path.stem.isdigit()]
    if not commits:
        return None
    newest = max(commits, key=lambda path: int(path.stem))
    info: dict[str, Any] = {}
    for line in newest.read_text(encoding="utf-8").splitlines():
        action = json.loads(line) if line.strip() else {}
        if "commitInfo" in action:
            info = action["commitInfo"]
            break
    timestamp = info.get("inCommitTimestamp", info.get("timestamp"))
    return DeltaCommit(
        int(newest.stem),
        None if timestamp is None else str(timestamp),
        info.get("userMetadata"),
    )


@dataclass(frozen=True)
class DeltaFile:
    """One live data file of a Delta snapshot."""

    path: Path
    size: int
    num_records: int | None
    partition_values: dict[str, str | None]
    has_deletion_vector: bool


@dataclass(frozen=True)
class DeltaSnapshot:
    """The latest version of a Delta table, as its transaction log describes it."""

    version: int
    schema: T.StructType
    partition_columns: list[str]
    configuration: dict[str, str]
    files: list[DeltaFile]

    @property
    def num_records(self) -> int | None:
        """Rows in the table (from the per-file statistics), None if unknown."""
        counts = [f.num_records for f in self.files]
        if any(count is None for count in counts):
            return None
        return sum(count for count in counts if count is not None)

    @property
    def size_bytes(self) -> int:
        """Bytes of the live data files."""
        return sum(f.size for f in self.files)


def read_delta_snapshot(table_dir: Path) -> DeltaSnapshot | None:
    """Replay ``_delta_log`` (last classic checkpoint, then the JSON commits).

    None when ``table_dir`` is no Delta table. Only what a preview needs is read:
    the schema, the partition columns and the live files.
    """
    log = table_dir / "_delta_log"
    commits = sorted(log.glob("*.json")) if log.is_dir() else []
    if not commits:
        return None
    live: dict[str, DeltaFile] = {}
    metadata: dict[str, Any] = {}
    start = _read_checkpoint(table_dir, log, live, metadata)
    version = start
    for commit in commits:
        number = int(commit.stem)
        if number <= start:
            continue
        version = number
        for line in commit.read_text(encoding="utf-8").splitlines():
            if line.strip():
                _apply_action(json.loads(line), table_dir, live, metadata)
    if not metadata:
        return None
    return DeltaSnapshot(
        version=version,
        schema=T.StructType.fromJson(json.loads(metadata["schemaString"])),
        partition_columns=list(metadata.get("partitionColumns") or []),
        configuration=dict(metadata.get("configuration") or {}),
        files=list(live.values()),
    )


def read_delta_head(table_dir: Path, nrows: int) -> tuple[list[str], list[list[Any]]]:
    """Column names and the first ``nrows`` rows (JSON-ready values) of a table."""
    import pyarrow.parquet as pq  # noqa: PLC0415 - only previews need pyarrow

    snapshot = read_delta_snapshot(table_dir)
    if snapshot is None:
        return [], []
    if snapshot.configuration.get("delta.columnMapping.mode", "none") != "none":
        raise DatasetError("column mapping is on: physical names differ, use Spark")
    columns = [f.name for f in snapshot.schema.fields]
    rows: list[list[Any]] = []
    for file in snapshot.files:
        if len(rows) >= nrows:
            break
        if file.has_deletion_vector:
            continue  # some of its rows are deleted: only Spark can tell which
        parquet = pq.ParquetFile(file.path, coerce_int96_timestamp_unit="us")
        for batch in parquet.iter_batches(batch_size=nrows - len(rows)):
            for record in batch.to_pylist():
                values = {**file.partition_values, **record}
                rows.append([_cell(values.get(name)) for name in columns])
            break
    return columns, rows[:nrows]


def _read_checkpoint(
    table_dir: Path, log: Path, live: dict[str, DeltaFile], metadata: dict[str, Any]
) -> int:
    """Load the last classic checkpoint into ``live``; its version, or -1."""
    pointer = log / "_last_checkpoint"
    if not pointer.is_file():
        return -1
    import pyarrow.parquet as pq  # noqa: PLC0415

    version = int(json.loads(pointer.read_text(encoding="utf-8"))["version"])
    parts = sorted(log.glob(f"{version:020d}.checkpoint*.parquet"))
    if not parts:
        return -1
    for part in parts:
        table = pq.read_table(part, columns=["add", "remove", "metaData"])
        for row in table.to_pylist():
            action = {key: value for key, value in row.items() if value is not None}
            if "add" in action:
                pairs = action["add"].get("partitionValues") or []
                action["add"]["partitionValues"] = dict(pairs)
            if "metaData" in action:
                pairs = action["metaData"].get("configuration") or []
                action["metaData"]["configuration"] = dict(pairs)
            _apply_action(action, table_dir, live, metadata)
    return version


def _apply_action(
    action: dict[str, Any],
    table_dir: Path,
    live: dict[str, DeltaFile],
    metadata: dict[str, Any],
) -> None:
    if "metaData" in action:
        metadata.clear()
        metadata.update(action["metaData"])
    elif "add" in action:
        add = action["add"]
        stats = json.loads(add["stats"]) if add.get("stats") else {}
        records = stats.get("numRecords")
        deleted = (add.get("deletionVector") or {}).get("cardinality", 0)
        live[_file_id(add)] = DeltaFile(
            path=table_dir / _unquote(add["path"]),
            size=int(add.get("size") or 0),
            num_records=None if records is None else int(records) - int(deleted),
            partition_values=dict(add.get("partitionValues") or {}),
            has_deletion_vector=add.get("deletionVector") is not None,
        )
    elif "remove" in action:
        live.pop(_file_id(action["remove"]), None)


def _file_id(action: dict[str, Any]) -> str:
    """A logical file: its path plus its deletion vector, if any (Delta protocol:
    a MERGE re-adds a file with a new deletion vector and removes the old pair)."""
    vector = action.get("deletionVector")
    if not vector:
        return str(action["path"])
    dv = f"{vector.get('storageType')}{vector.get('pathOrInlineDv')}"
    return f"{action['path']}#{dv}@{vector.get('offset')}"


def _unquote(path: str) -> str:
    from urllib.parse import unquote  # noqa: PLC0415

    return unquote(path)


def _cell(value: Any) -> Any:
    """A value as kedro-viz can serialise it: JSON scalars, text for the rest."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if hasattr(value, "asDict"):  # a Spark Row
        value = value.asDict(recursive=True)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)
