"""Raw nodes as run in a batch: only unprocessed files, rows stamped with the batch.

The node of each source (``raw_<source>_increment``, built by :func:`increment_node`)
reads the source's records, keeps those of files not processed yet (all of them on a
full refresh), types them with the pure ``raw_<source>`` node and stamps accepted and
rejected rows with ``_batch_id``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, Row

from motors_meetup.incremental import changed, stamp, unprocessed_records
from motors_meetup.pipelines.raw import nodes
from motors_meetup.plans import nothing_to_write

logger = logging.getLogger(__name__)
# Each source and the key of its raw table; events carry no id before staging.
KEYS: dict[str, str | None] = {
    "events": None,
    "groups": "group_id",
    "users": "user_id",
    "venues": "venue_id",
}
SOURCES = tuple(KEYS)

RawNode = Callable[[DataFrame, dict[str, Any]], tuple[DataFrame, DataFrame]]
IncrementNode = Callable[
    [DataFrame, DataFrame, DataFrame, bool, dict[str, Any]],
    tuple[DataFrame, DataFrame],
]


def increment_node(source: str) -> IncrementNode:
    """The batch node ``raw_<source>_increment`` of one of :data:`SOURCES`.

    It runs the pure ``raw_<source>`` node on the records of files not processed yet
    and stamps its accepted and rejected rows with the batch.
    """
    typed: RawNode = getattr(nodes, f"raw_{source}")

    def increment(
        records: DataFrame,
        processed_files: DataFrame,
        batch: DataFrame,
        full_refresh: bool,
        raw: dict[str, Any],
    ) -> tuple[DataFrame, DataFrame]:
        fresh = unprocessed_records(records, processed_files, full_refresh)
        accepted, rejected = typed(fresh, raw)
        accepted, rejected = stamp(accepted, batch), stamp(rejected, batch)
        if nothing_to_write(fresh):
            # Every delivery was processed: say so in the outputs' plans too.
            return accepted.limit(0), rejected.limit(0)
        return accepted, rejected

    increment.__name__ = increment.__qualname__ = f"raw_{source}_increment"
    increment.__doc__ = _increment_doc(source)
    return increment


def _increment_doc(source: str) -> str:
    entity, key = source.removesuffix("s"), KEYS[source]
    if key is None:
        return (
            f"New {entity} records, typed; one row per accepted {entity} record, key "
            f"``{nodes.RECORD_KEY}`` ({source} have no id yet)."
        )
    return (
        f"New {entity} records, typed and deduplicated; one row per {entity}, key "
        f"``{key}``."
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
        fresh = unprocessed_records(records, processed_files, full_refresh)
        if nothing_to_write(fresh):
            # No new delivery, so no row of this batch: close_batch records a
            # batch's deliveries only after every table is written, and a rerun
            # reads the deliveries of a batch that did not close again.
            counts[source] = (fresh, accepted.limit(0), rejected.limit(0))
            continue
        counts[source] = (fresh, changed(accepted, batch), changed(rejected, batch))
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
