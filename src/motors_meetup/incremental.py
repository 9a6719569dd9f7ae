"""Incremental processing: which input is new in this run, and what it changes.

A run is a *batch*. ``open_batch`` numbers it (one more than the last batch recorded
in ``audit.processed_files``); raw nodes read only deliveries not yet processed (all
of them on a full refresh) and stamp every row they write with ``_batch_id``. A
delivery is known by the md5 of its file's bytes (``delivery_id``), not by its path,
so a moved input folder is not read again. Downstream
nodes recompute only the entities whose rows carry the current batch id and the
datasets MERGE them on the table's key. ``close_batch`` records the batch's files
last, so a run killed midway is simply redone: every write before it is an
idempotent MERGE or overwrite of the same result.
"""

from __future__ import annotations

from functools import reduce
from weakref import WeakKeyDictionary

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from motors_meetup.plans import deliveries_of

BATCH_COLUMN = "_batch_id"
SOURCE_FILE_COLUMN = "_source_file"
DELIVERY_COLUMN = "_delivery_id"
# The run's batch (one row: batch_id, full_refresh), written by open_batch.
BATCH_DATASET = "audit.run_batch"
# Batch number per loaded ``audit.run_batch`` frame, and processed deliveries per
# loaded ``audit.processed_files`` frame: several nodes ask for them.
_BATCH_IDS: WeakKeyDictionary[DataFrame, int] = WeakKeyDictionary()
_PROCESSED: WeakKeyDictionary[DataFrame, list[str]] = WeakKeyDictionary()
# Batch number per stored ``audit.run_batch``: every node loads the table anew, as a
# new frame. Two loads read the same row when their plans are alike and they read
# the same data files (Delta never rewrites a file in place, and this table is
# overwritten, never merged, so it has no deletion vectors).
_STORED_BATCH_IDS: dict[tuple[int, tuple[str, ...]], int] = {}


def open_batch(processed_files: DataFrame, full_refresh: bool) -> DataFrame:
    """The run's batch; grain: one row (``batch_id``, ``full_refresh``)."""
    last = processed_files.agg(F.max("batch_id").alias("last"))
    return last.select(
        (F.coalesce(F.col("last"), F.lit(0)) + 1).cast("long").alias("batch_id"),
        F.lit(bool(full_refresh)).alias("full_refresh"),
    )


class ProcessedFilesOutdated(RuntimeError):
    """``audit.processed_files`` predates delivery digests: a full refresh is due."""


def unprocessed_records(
    records: DataFrame, processed_files: DataFrame, full_refresh: bool
) -> DataFrame:
    """``records`` of deliveries not processed yet (all records on a full refresh).

    The processed deliveries are a literal list, not a join: ``delivery_id`` is a
    lookup on the file's path, so Spark evaluates the filter on each file before
    reading it, and an incremental run reads only the new deliveries instead of
    every file ever received.
    """
    if full_refresh:
        return records
    done = _PROCESSED.get(processed_files)
    if done is None:
        if "delivery_id" not in processed_files.columns:
            raise ProcessedFilesOutdated(
                "audit.processed_files records deliveries by path (written before "
                "deliveries were identified by the md5 of their content). Rebuild "
                "once with: kedro run --params full_refresh=true"
            )
        rows = processed_files.select("delivery_id").collect()
        done = [row.delivery_id for row in rows]
        _PROCESSED[processed_files] = done
    delivered = deliveries_of(records)
    if delivered is not None and delivered <= set(done):
        # Nothing new: a frame that says so in its plan (plans.nothing_to_write).
        return records.limit(0)
    return records.where(~F.col("delivery_id").isin(done)) if done else records


def batch_id(batch: DataFrame) -> int:
    """The run's batch number (``batch`` is a one-row table), read once per frame
    and once per stored version of ``audit.run_batch``."""
    known = _BATCH_IDS.get(batch)
    if known is None:
        files = tuple(batch.inputFiles())
        stored = (batch.semanticHash(), files)
        known = _STORED_BATCH_IDS.get(stored) if files else None
        if known is None:
            known = int(batch.first()["batch_id"])
            if files:
                _STORED_BATCH_IDS[stored] = known
        _BATCH_IDS[batch] = known
    return known


def _batch_number(batch: DataFrame) -> Column:
    """The run's batch number as a ``bigint`` literal, the type of ``_batch_id``."""
    return F.lit(batch_id(batch)).cast("bigint")


def stamp(table: DataFrame, batch: DataFrame) -> DataFrame:
    """``table`` with the run's ``_batch_id`` on every row."""
    return table.withColumn(BATCH_COLUMN, _batch_number(batch))


def changed(table: DataFrame, batch: DataFrame) -> DataFrame:
    """The rows of ``table`` written or rewritten in this run's batch.

    A literal filter rather than a join, so that Delta skips every data file whose
    ``_batch_id`` statistics lie below the batch: an incremental run reads the
    files it wrote, not the whole table.
    """
    return table.where(F.col(BATCH_COLUMN) == _batch_number(batch))


def keys_of(*frames: DataFrame) -> DataFrame:
    """The distinct union of single-column key frames (named alike)."""
    return reduce(DataFrame.unionByName, frames).distinct()


def changed_or_linked(
    table: DataFrame, batch: DataFrame, **links: DataFrame
) -> DataFrame:
    """The rows of ``table`` written in this batch, or linked to a changed row.

    Each keyword names a column of ``table`` and gives the changed keys it links
    to, as a one-column frame of that name (``event_id=changed(stg_events,
    batch).select("event_id")``): a row is kept when its batch is this one or its
    value in any such column is among the keys. Same rows, same columns as
    ``table``.

    One pass over ``table``, each key frame joined to it by a left join on its
    column: the planner sees the key frame's own size (a batch's rows, usually
    small enough to broadcast). Collecting the rows' keys first and semi-joining
    ``table`` with them read ``table`` once per link and once more, and hid that
    the keys were few behind the size of ``table``.
    """
    keep = F.col(BATCH_COLUMN) == _batch_number(batch)
    linked = table
    for number, (column, keys) in enumerate(links.items()):
        flag = f"_linked_{number}"
        marked = keys.select(column).distinct().withColumn(flag, F.lit(True))
        linked = linked.join(marked, column, "left")
        keep = keep | F.col(flag).isNotNull()
    return linked.where(keep).select(*table.columns)


def close_batch(batch: DataFrame, *raw_tables: DataFrame) -> DataFrame:
    """Deliveries read in this batch; grain: one row per delivery, key
    ``delivery_id`` (with the path it was read from).

    ``raw_tables`` are the raw accepted and rejected tables (any further inputs are
    only there to make this node run last). A delivery whose records were all
    superseded stays unrecorded and is read again next time, which changes nothing.
    """
    deliveries = [
        changed(table, batch).select(
            F.col(_column(table, DELIVERY_COLUMN)).alias("delivery_id"),
            F.col(_column(table, SOURCE_FILE_COLUMN)).alias("source_file"),
        )
        for table in raw_tables
        if BATCH_COLUMN in table.columns and _column(table, DELIVERY_COLUMN)
    ]
    return (
        reduce(DataFrame.unionByName, deliveries)
        .groupBy("delivery_id")
        .agg(F.min("source_file").alias("source_file"))
        .withColumn("batch_id", _batch_number(batch))
        .withColumn("processed_at", F.current_timestamp())
    )


def _column(table: DataFrame, audit_name: str) -> str | None:
    """``audit_name`` (raw tables) or its name without ``_`` (rejected tables),
    whichever ``table`` has; None when it has neither."""
    for name in (audit_name, audit_name.removeprefix("_")):
        if name in table.columns:
            return name
    return None
