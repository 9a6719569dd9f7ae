"""Raw nodes as run in a batch: only unprocessed files, rows stamped with the batch.

Each ``raw_<source>_increment`` reads the source's records, keeps those of files not
processed yet (all of them on a full refresh), types them with the pure
``raw_<source>`` node and stamps accepted and rejected rows with ``_batch_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, Row

from motors_meetup.incremental import changed, stamp, unprocessed_records
from motors_meetup.pipelines.raw import nodes

logger = logging.getLogger(__name__)
SOURCES = ("events", "groups", "users", "venues")

RawNode = Callable[[DataFrame, dict[str, Any]], tuple[DataFrame, DataFrame]]


def _increment(
    node: RawNode,
    records: DataFrame,
    processed_files: DataFrame,
    batch: DataFrame,
    full_refresh: bool,
    raw: dict[str, Any],
) -> tuple[DataFrame, DataFrame]:
    fresh = unprocessed_records(records, processed_files, full_refresh)
    accepted, rejected = node(fresh, raw)
    return stamp(accepted, batch), stamp(rejected, batch)


def raw_events_increment(
    records: DataFrame,
    processed_files: DataFrame,
    batch: DataFrame,
    full_refresh: bool,
    raw: dict[str, Any],
) -> tuple[DataFrame, DataFrame]:
    """New event records, typed; key ``_record_key`` (events have no id yet)."""
    return _increment(
        nodes.raw_events, records, processed_files, batch, full_refresh, raw
    )


def raw_groups_increment(
    records: DataFrame,
    processed_files: DataFrame,
    batch: DataFrame,
    full_refresh: bool,
    raw: dict[str, Any],
) -> tuple[DataFrame, DataFrame]:
    """New group records, typed and deduplicated; key ``group_id``."""
    return _increment(
        nodes.raw_groups, records, processed_files, batch, full_refresh, raw
    )


def raw_users_increment(
    records: DataFrame,
    processed_files: DataFrame,
    batch: DataFrame,
    full_refresh: bool,
    raw: dict[str, Any],
) -> tuple[DataFrame, DataFrame]:
    """New user records, typed and deduplicated; key ``user_id``."""
    return _increment(
        nodes.raw_users, records, processed_files, batch, full_refresh, raw
    )


def raw_venues_increment(
    records: DataFrame,
    processed_files: DataFrame,
    batch: DataFrame,
    full_refresh: bool,
    raw: dict[str, Any],
) -> tuple[DataFrame, DataFrame]:
    """New venue records, typed and deduplicated; key ``venue_id``."""
    return _increment(
        nodes.raw_venues, records, processed_files, batch, full_refresh, raw
    )


def raw_load_report_increment(
    batch: DataFrame,
    processed_files: DataFrame,
    full_refresh: bool,
    *tables: DataFrame,
) -> DataFrame:
    """This batch's read/accepted/rejected counts; one row per source.

    ``tables`` are (records, raw table, rejected table) for events, groups, users
    and venues, in that order.
    """
    counts = {}
    for index, source in enumerate(SOURCES):
        records, accepted, rejected = tables[3 * index : 3 * index + 3]
        counts[source] = (
            unprocessed_records(records, processed_files, full_refresh),
            changed(accepted, batch),
            changed(rejected, batch),
        )
    report = nodes.raw_load_report(batch, counts)
    for row in report.collect():
        _log_reconciliation(row)
    return report


def _log_reconciliation(row: Row) -> None:
    level = logging.WARNING if row.records_unaccounted else logging.INFO
    logger.log(
        level,
        "Source %-6s read %d = accepted %d + rejected %d%s",
        row.source,
        row.records_read,
        row.records_accepted,
        row.records_rejected,
        f" + superseded {row.records_unaccounted}" if row.records_unaccounted else "",
    )
