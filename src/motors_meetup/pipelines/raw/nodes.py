"""Raw layer: type and rename each source's records, quarantining bad ones.

Every node returns ``(accepted, rejected)``. A record is rejected — never dropped —
when it is not valid JSON, does not fit the source's schema, or breaks a raw rule;
``rejected`` keeps the source file, the record's text and the first reason that
applies. For keyed sources (groups, users, venues), identical copies of a record
collapse into one (the others rejected as ``identical_duplicate``) and conflicting
copies keep the latest delivery (the others rejected as ``duplicate_key``), so rows
read = rows accepted + rows rejected, always.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from motors_meetup.columns import epoch_ms_to_timestamp, id_string, ms_to_whole_seconds
from motors_meetup.pipelines.raw import source_schemas as S

RESPONSES = ("yes", "no", "waitlist")
EVENT_STATUSES = ("past", "upcoming", "cancelled", "proposed", "suggested")
MAX_LATITUDE = 90.0
MAX_LONGITUDE = 180.0

Rule = tuple[str, Column]
_RECORD_COLUMNS = ("source_file", "delivery_id", "file_modified_at", "record", "reason")
RECORD_KEY = "_record_key"
DELIVERY = "_delivery"


class BadInputError(ValueError):
    """Bad records found while ``raw.on_bad_record`` is ``fail``."""


def raw_events(records: DataFrame, raw: dict[str, Any]) -> tuple[DataFrame, DataFrame]:
    """Typed events, one row per valid record (events carry no key at this layer)."""
    j = _parsed(records, S.EVENTS)
    min_ms = int(raw["min_epoch_ms"])
    rsvps = F.coalesce(F.col("j.rsvps"), F.array())
    rules: list[Rule] = [
        (
            "type_mismatch",
            _not_an_id("j.group_id")
            | _not_an_id("j.venue_id")
            | F.exists(rsvps, lambda r: _not_an_id(r["user_id"])),
        ),
        ("null_group_id", id_string("j.group_id").isNull()),
        ("null_created", F.col("j.created").isNull()),
        (
            "epoch_in_seconds",
            (F.col("j.created") < min_ms)
            | (F.col("j.time") < min_ms)
            | F.exists(rsvps, lambda r: r["when"] < min_ms),
        ),
        ("negative_duration", F.col("j.duration") < 0),
        ("negative_rsvp_limit", F.col("j.rsvp_limit") < 0),
        ("unknown_status", ~F.lower("j.status").isin(*EVENT_STATUSES)),
        (
            "null_rsvp_user_id",
            F.exists(rsvps, lambda r: id_string(r["user_id"]).isNull()),
        ),
        (
            "unknown_response",
            F.exists(
                rsvps,
                lambda r: (
                    r["response"].isNull() | ~F.lower(r["response"]).isin(*RESPONSES)
                ),
            ),
        ),
        ("negative_guests", F.exists(rsvps, lambda r: r["guests"] < 0)),
    ]
    typed = [
        id_string("j.group_id").alias("group_id"),
        F.col("j.name").alias("event_name"),
        F.col("j.description").alias("event_description"),
        epoch_ms_to_timestamp("j.created").alias("event_created_at"),
        epoch_ms_to_timestamp("j.time").alias("event_start_time"),
        ms_to_whole_seconds("j.duration").alias("event_duration_seconds"),
        F.col("j.rsvp_limit").alias("rsvp_limit"),
        id_string("j.venue_id").alias("venue_id"),
        F.lower("j.status").alias("event_status"),
        F.transform(
            rsvps,
            lambda r: F.struct(
                id_string(r["user_id"]).alias("user_id"),
                F.lower(r["response"]).alias("response"),
                r["when"].alias("when"),
                r["guests"].alias("guests"),
            ),
        ).alias("rsvps"),
    ]
    return _split("events", j, rules, typed, raw)


def raw_groups(records: DataFrame, raw: dict[str, Any]) -> tuple[DataFrame, DataFrame]:
    """Typed groups, one row per ``group_id`` (the latest delivery wins)."""
    j = _parsed(records, S.GROUPS)
    rules: list[Rule] = [
        ("type_mismatch", _not_an_id("j.group_id")),
        ("null_group_id", id_string("j.group_id").isNull()),
        ("null_group_name", F.col("j.name").isNull()),
        ("null_created", F.col("j.created").isNull()),
        ("epoch_in_seconds", F.col("j.created") < int(raw["min_epoch_ms"])),
        *_coordinate_rules(),
    ]
    typed = [
        id_string("j.group_id").alias("group_id"),
        F.col("j.name").alias("group_name"),
        F.col("j.city").alias("city"),
        F.col("j.lat").alias("lat"),
        F.col("j.lon").alias("lon"),
        epoch_ms_to_timestamp("j.created").alias("created_at"),
        F.col("j.description").alias("group_description"),
        F.col("j.link").alias("group_link"),
        F.coalesce(F.col("j.topics"), F.array().cast("array<string>")).alias("topics"),
    ]
    return _split("groups", j, rules, typed, raw, key="group_id")


def raw_users(records: DataFrame, raw: dict[str, Any]) -> tuple[DataFrame, DataFrame]:
    """Typed users, one row per ``user_id`` (the latest delivery wins)."""
    j = _parsed(records, S.USERS)
    memberships = F.coalesce(F.col("j.memberships"), F.array())
    rules: list[Rule] = [
        (
            "type_mismatch",
            _not_an_id("j.user_id")
            | F.exists(memberships, lambda m: _not_an_id(m["group_id"])),
        ),
        ("null_user_id", id_string("j.user_id").isNull()),
        (
            "null_membership_group_id",
            F.exists(memberships, lambda m: id_string(m["group_id"]).isNull()),
        ),
        (
            "epoch_in_seconds",
            F.exists(memberships, lambda m: m["joined"] < int(raw["min_epoch_ms"])),
        ),
    ]
    typed = [
        id_string("j.user_id").alias("user_id"),
        F.col("j.city").alias("city"),
        F.col("j.country").alias("country"),
        F.col("j.hometown").alias("hometown"),
        F.transform(
            memberships,
            lambda m: F.struct(
                id_string(m["group_id"]).alias("group_id"),
                m["joined"].alias("joined"),
            ),
        ).alias("memberships"),
    ]
    return _split("users", j, rules, typed, raw, key="user_id")


def raw_venues(records: DataFrame, raw: dict[str, Any]) -> tuple[DataFrame, DataFrame]:
    """Typed venues, one row per ``venue_id`` (the latest delivery wins)."""
    j = _parsed(records, S.VENUES)
    rules: list[Rule] = [
        ("type_mismatch", _not_an_id("j.venue_id")),
        ("null_venue_id", id_string("j.venue_id").isNull()),
        *_coordinate_rules(),
    ]
    typed = [
        id_string("j.venue_id").alias("venue_id"),
        F.col("j.name").alias("venue_name"),
        F.col("j.city").alias("city"),
        F.col("j.country").alias("country"),
        F.col("j.lat").alias("lat"),
        F.col("j.lon").alias("lon"),
    ]
    return _split("venues", j, rules, typed, raw, key="venue_id")


def raw_load_report(
    batch: DataFrame, counts: dict[str, tuple[DataFrame, DataFrame, DataFrame]]
) -> DataFrame:
    """Records read, accepted and rejected per source in this batch.

    Grain: one row per source. ``counts`` maps a source to (records read this
    batch, accepted rows, rejected rows) — the latter two already limited to the
    batch. ``records_unaccounted`` = read - accepted - rejected is 0 unless a
    delivery lost to a newer one already stored (incremental runs only).
    """
    kinds = ("read", "accepted", "rejected")
    # All twelve counts in one Spark job rather than one job each.
    tagged = [
        frame.select(F.lit(source).alias("source"), F.lit(kind).alias("kind"))
        for source, frames in counts.items()
        for kind, frame in zip(kinds, frames, strict=True)
    ]
    totals = {
        (row.source, row.kind): row["count"]
        for row in reduce(DataFrame.unionByName, tagged)
        .groupBy("source", "kind")
        .count()
        .collect()
    }
    rows = [
        (source, *(totals.get((source, kind), 0) for kind in kinds))
        for source in counts
    ]
    report = batch.sparkSession.createDataFrame(
        rows,
        "source string, records_read long, records_accepted long, "
        "records_rejected long",
    )
    unaccounted = (
        F.col("records_read") - F.col("records_accepted") - F.col("records_rejected")
    )
    return (
        report.withColumn("records_unaccounted", unaccounted)
        .crossJoin(batch.select(F.col("batch_id").alias("_batch_id")))
        .withColumn("checked_at", F.current_timestamp())
    )


def _parsed(records: DataFrame, schema: T.StructType) -> DataFrame:
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": S.CORRUPT}
    return records.select(
        F.col("source_file"),
        F.col("delivery_id"),
        F.col("file_modified_at"),
        F.col("record"),
        F.from_json("record", schema, options).alias("j"),
    )


def _coordinate_rules() -> list[Rule]:
    return [
        ("lat_out_of_range", F.abs("j.lat") > MAX_LATITUDE),
        ("lon_out_of_range", F.abs("j.lon") > MAX_LONGITUDE),
    ]


def _parse_rules() -> list[Rule]:
    bad = F.col(f"j.{S.CORRUPT}").isNotNull() | F.col("j").isNull()
    # A record must be exactly one JSON value. Wrapped in brackets it must then be
    # a one-element array: this also catches a valid value followed by more text
    # (two records run together on one line, trailing garbage), which from_json
    # and get_json_object silently ignore — losing the second record.
    values = F.json_array_length(F.concat(F.lit("["), F.col("record"), F.lit("]")))
    not_one_value = ~F.coalesce(values == 1, F.lit(False))
    return [("malformed_json", not_one_value), ("type_mismatch", bad)]


def _not_an_id(column: Column | str) -> Column:
    """True for an id that arrived as a JSON object, array or boolean.

    The reader turns any JSON value into text for a string field, so an id sent as
    ``{...}``, ``[...]`` or ``true`` would otherwise pass as that text.
    """
    text = F.trim(column if isinstance(column, Column) else F.col(column))
    return text.rlike(r"^[\[{]") | text.isin("true", "false")


def _first_reason(rules: Sequence[Rule]) -> Column:
    return F.coalesce(
        *[F.when(predicate, F.lit(reason)) for reason, predicate in rules]
    )


def _split(
    source: str,
    parsed: DataFrame,
    rules: list[Rule],
    typed: list[Column],
    raw: dict[str, Any],
    key: str | None = None,
) -> tuple[DataFrame, DataFrame]:
    reasons = [*_parse_rules(), *rules]
    # Cached: accepted and rejected rows are written one after the other, and
    # parsing the JSON once instead of twice is most of the raw layer's time.
    checked = (
        parsed.withColumn("reason", _first_reason(reasons))
        .select(*_RECORD_COLUMNS, record_key().alias(RECORD_KEY), *typed)
        .persist()
    )
    content = checked.columns[len(_RECORD_COLUMNS) + 1 :]
    invalid = checked.where(F.col("reason").isNotNull())
    valid = checked.where(F.col("reason").isNull())
    audit = [F.col(RECORD_KEY)]
    if key is not None:
        valid, duplicates = _dedupe(valid, key, content)
        invalid = invalid.unionByName(duplicates.drop(DELIVERY))
        audit.append(F.col(DELIVERY))
    rejected = invalid.select(
        F.lit(source).alias("source"),
        "source_file",
        "delivery_id",
        "file_modified_at",
        "record",
        "reason",
        RECORD_KEY,
    )
    if raw.get("on_bad_record") == "fail":
        # Identical copies collapse into one (DESIGN §5): not bad input.
        _fail_on_bad_records(
            source, rejected.where(F.col("reason") != "identical_duplicate")
        )
    accepted = valid.select(
        *content,
        F.col("source_file").alias("_source_file"),
        F.col("delivery_id").alias("_delivery_id"),
        F.col("file_modified_at").alias("_file_modified_at"),
        *audit,
    )
    return accepted, rejected


def record_key() -> Column:
    """A record's identity: its delivery (the file's content digest), its text and
    which copy of that text in the delivery it is.

    Stable across reruns of the same file, and across moves of the input folder, so
    writing a batch twice is a no-op MERGE.
    """
    text = F.md5(F.coalesce(F.col("record"), F.lit("")))
    copy = F.row_number().over(Window.partitionBy("delivery_id", text).orderBy(text))
    return F.md5(F.concat_ws("|", F.col("delivery_id"), text, copy.cast("string")))


def _dedupe(
    valid: DataFrame, key: str, content: list[str]
) -> tuple[DataFrame, DataFrame]:
    """Keep one row per key: the latest delivery, ties broken by content hash.

    ``_delivery`` (file time, file, content hash) orders deliveries; raw tables keep
    it so an incremental MERGE applies the same "latest delivery wins" rule.
    """
    digest = F.md5(F.to_json(F.struct(*content)))
    delivery = F.struct(
        F.col("file_modified_at"), F.col("source_file"), digest.alias("digest")
    )
    ranked = valid.withColumn(DELIVERY, delivery).withColumn(
        "_rank",
        F.row_number().over(Window.partitionBy(key).orderBy(F.col(DELIVERY).desc())),
    )
    winner = F.first(f"{DELIVERY}.digest").over(
        Window.partitionBy(key).orderBy("_rank")
    )
    ranked = ranked.withColumn("_winner", winner)
    kept = ranked.where("_rank = 1").drop("_rank", "_winner")
    dropped = ranked.where("_rank > 1").withColumn(
        "reason",
        F.when(
            F.col(f"{DELIVERY}.digest") == F.col("_winner"), "identical_duplicate"
        ).otherwise("duplicate_key"),
    )
    return kept, dropped.drop("_rank", "_winner")


def _fail_on_bad_records(source: str, rejected: DataFrame) -> None:
    sample = rejected.limit(3).collect()
    if sample:
        lines = "\n".join(
            f"  - {row.reason} in {row.source_file}: {str(row.record)[:120]}"
            for row in sample
        )
        raise BadInputError(
            f"Source {source!r} has bad records and raw.on_bad_record is 'fail':\n"
            f"{lines}\nSet raw.on_bad_record to 'quarantine' to route them to "
            f"raw.{source}_rejected instead."
        )
