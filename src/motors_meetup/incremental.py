"""Incremental processing: which input is new in this run, and what it changes.

A run is a *batch*. ``open_batch`` numbers it (one more than the last batch recorded
in ``audit.processed_files``); raw nodes read only files not yet processed (all of
them on a full refresh) and stamp every row they write with ``_batch_id``; downstream
nodes recompute only the entities whose rows carry the current batch id and the
datasets MERGE them on the table's key. ``close_batch`` records the batch's files
last, so a run killed midway is simply redone: every write before it is an
idempotent MERGE or overwrite of the same result.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

BATCH_COLUMN = "_batch_id"
SOURCE_FILE_COLUMN = "_source_file"


def open_batch(processed_files: DataFrame, full_refresh: bool) -> DataFrame:
    """The run's batch; grain: one row (``batch_id``, ``full_refresh``)."""
    last = processed_files.agg(F.max("batch_id").alias("last"))
    return last.select(
        (F.coalesce(F.col("last"), F.lit(0)) + 1).cast("long").alias("batch_id"),
        F.lit(bool(full_refresh)).alias("full_refresh"),
    )


def unprocessed_records(
    records: DataFrame, processed_files: DataFrame, full_refresh: bool
) -> DataFrame:
    """``records`` of files not processed yet (all records on a full refresh)."""
    if full_refresh:
        return records
    done = processed_files.select(F.col("source_file").alias("_done_file"))
    return records.join(
        F.broadcast(done), records["source_file"] == F.col("_done_file"), "left_anti"
    )


def stamp(table: DataFrame, batch: DataFrame) -> DataFrame:
    """``table`` with the run's ``_batch_id`` on every row."""
    return table.crossJoin(
        F.broadcast(batch.select(F.col("batch_id").alias(BATCH_COLUMN)))
    )


def changed(table: DataFrame, batch: DataFrame) -> DataFrame:
    """The rows of ``table`` written or rewritten in this run's batch."""
    current = batch.select(F.col("batch_id").alias(BATCH_COLUMN))
    return table.join(F.broadcast(current), BATCH_COLUMN, "left_semi")


def keys_of(*frames: DataFrame) -> DataFrame:
    """The distinct union of single-column key frames (named alike)."""
    return reduce(DataFrame.unionByName, frames).distinct()


def close_batch(batch: DataFrame, *raw_tables: DataFrame) -> DataFrame:
    """Files read in this batch; grain: one row per file, key ``source_file``.

    ``raw_tables`` are the raw accepted and rejected tables (any further inputs are
    only there to make this node run last). A file whose records were all superseded
    stays unrecorded and is read again next time, which changes nothing.
    """
    files = [
        changed(table, batch).select(F.col(_file_column(table)).alias("source_file"))
        for table in raw_tables
        if BATCH_COLUMN in table.columns
    ]
    return (
        reduce(DataFrame.unionByName, files)
        .distinct()
        .crossJoin(F.broadcast(batch.select("batch_id")))
        .withColumn("processed_at", F.current_timestamp())
    )


def _file_column(table: DataFrame) -> str:
    return SOURCE_FILE_COLUMN if SOURCE_FILE_COLUMN in table.columns else "source_file"
