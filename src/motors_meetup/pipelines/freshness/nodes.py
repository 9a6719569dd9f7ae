"""Source freshness (the ``dbt source freshness`` counterpart).

For each source, the newest record — by a field of the records (``created``, epoch
ms) or by the arrival of its newest delivery file (``file_arrival``) — is compared
with ``now``: older than ``warn_after`` is a WARN, older than ``error_after`` a FAIL.
``now`` is the wall clock unless the ``freshness.now`` parameter sets it (tests,
reruns). One row per source is appended to ``audit.freshness_results``; then
``assert_sources_fresh`` fails the run if a source is past its error threshold.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timezone
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from motors_meetup.columns import epoch_ms_to_timestamp

logger = logging.getLogger(__name__)

FILE_ARRIVAL = "file_arrival"
HOURS_PER_PERIOD = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}
STATUSES = ("PASS", "WARN", "FAIL")
RESULTS_SCHEMA = (
    "checked_at timestamp, now timestamp, source string, loaded_at_field string, "
    "newest_at timestamp, age_hours double, warn_after_hours double, "
    "error_after_hours double, records long, status string, detail string"
)


class SourcesStale(Exception):
    """At least one source is older than its error threshold."""


def source_freshness(
    freshness: dict[str, Any], **sources: DataFrame
) -> tuple[DataFrame, DataFrame]:
    """Each source's newest record graded against its thresholds; one row per source.

    ``sources`` are the sources as ``JsonSourceDataset`` loads them (``record`` text
    and ``file_modified_at``); ``freshness`` holds ``now`` and per source
    ``loaded_at_field``, ``warn_after`` and ``error_after``. Returns the results
    twice: to store, and to hand to :func:`assert_sources_fresh`.
    """
    now = reference_time(freshness.get("now"))
    configs = freshness.get("sources") or {}
    rows = []
    for source, records in sources.items():
        if source not in configs:
            raise ValueError(
                f"No freshness thresholds for source {source!r}: add "
                f"freshness.sources.{source} to the parameters"
            )
        config = configs[source]
        field = str(config.get("loaded_at_field", FILE_ARRIVAL))
        newest, count = newest_record(records, field)
        rows.append(grade(source, config, newest, count, now))
    checked_at = datetime.now(timezone.utc)
    table = [(checked_at, now, *row) for row in rows]
    for row in rows:
        logger.info("%-4s  %-7s %s", row[7], row[0], row[8])
    spark = next(iter(sources.values())).sparkSession
    results = spark.createDataFrame(table, RESULTS_SCHEMA)
    return results, results


def assert_sources_fresh(results: DataFrame) -> dict[str, int]:
    """Raise :class:`SourcesStale` naming the sources that FAILed, else the totals."""
    rows = results.select("source", "status", "detail").collect()
    totals = {status: sum(r["status"] == status for r in rows) for status in STATUSES}
    stale = [row for row in rows if row["status"] == "FAIL"]
    if stale:
        listing = "\n".join(f"  - {row['source']}: {row['detail']}" for row in stale)
        raise SourcesStale(
            f"{len(stale)} source(s) stale past their error threshold:\n{listing}"
        )
    return totals


def newest_record(
    records: DataFrame, loaded_at_field: str
) -> tuple[datetime | None, int]:
    """The newest time of a source and its number of records.

    ``file_arrival``: the newest delivery file's modification time; any other name:
    the largest value of that top-level field of the records, read as epoch ms
    (records where it is missing or not a number are ignored).
    """
    if loaded_at_field == FILE_ARRIVAL:
        newest = F.max("file_modified_at")
    else:
        path = f"$.{loaded_at_field}"
        ms = F.get_json_object("record", path).try_cast("bigint")
        newest = F.max(epoch_ms_to_timestamp(ms))
    row = records.agg(newest.alias("newest"), F.count(F.lit(1)).alias("n")).first()
    value = row["newest"] if row else None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value, int(row["n"]) if row else 0


def grade(
    source: str,
    config: dict[str, Any],
    newest: datetime | None,
    records: int,
    now: datetime,
) -> tuple:
    """(source, field, newest, age h, warn h, error h, records, status, detail)."""
    field = str(config.get("loaded_at_field", FILE_ARRIVAL))
    warn = threshold_hours(config.get("warn_after"))
    error = threshold_hours(config.get("error_after"))
    limits = f"warn after {_describe(warn)}, error after {_describe(error)}"
    label = "file arrival" if field == FILE_ARRIVAL else f"`{field}`"
    if newest is None:
        detail = f"no record carries a usable {label} ({records} records); {limits}"
        return (source, field, None, None, warn, error, records, "FAIL", detail)
    age = (now - newest).total_seconds() / 3600
    status = "PASS"
    if error is not None and age > error:
        status = "FAIL"
    elif warn is not None and age > warn:
        status = "WARN"
    # A `now` set in the past can precede the newest record.
    how_old = f"{_describe(age)} old" if age >= 0 else f"{_describe(-age)} after now"
    detail = f"newest {label} {newest:%Y-%m-%d %H:%M:%S} UTC is {how_old}; {limits}"
    return (source, field, newest, round(age, 2), warn, error, records, status, detail)


def threshold_hours(threshold: dict[str, Any] | None) -> float | None:
    """``{count: 7, period: day}`` (dbt's form) as hours; None when not set."""
    if not threshold:
        return None
    period = str(threshold.get("period", "day")).lower().rstrip("s")
    if period not in HOURS_PER_PERIOD:
        raise ValueError(
            f"Freshness period {period!r} is not one of {sorted(HOURS_PER_PERIOD)}"
        )
    return float(threshold["count"]) * HOURS_PER_PERIOD[period]


def reference_time(now: str | date | datetime | None) -> datetime:
    """``now`` as an aware UTC datetime; None means the wall clock.

    Accepts an ISO date or timestamp (a date is its midnight; no offset = UTC).
    """
    if now is None or str(now).strip().lower() in ("", "none", "null"):
        return datetime.now(timezone.utc)
    if isinstance(now, datetime):
        value = now
    elif isinstance(now, date):
        value = datetime.combine(now, time())
    else:
        try:
            value = datetime.fromisoformat(str(now).strip())
        except ValueError as error:
            raise ValueError(
                f"Parameter freshness.now must be an ISO date or timestamp, got {now!r}"
            ) from error
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _describe(hours: float | None) -> str:
    if hours is None:
        return "-"
    if abs(hours) >= 48:
        return f"{hours / 24:.1f} days"
    return f"{hours:.1f} hours"
