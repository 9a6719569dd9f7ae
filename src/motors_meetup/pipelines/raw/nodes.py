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
AUDIT_COLUMNS = ("_source_file", "_file_modified_at")
REJECTED_SCHEMA = T.StructType(
    [
        T.StructField("source", T.StringType(), False),
        T.StructField("source_file", T.StringType(), False),
        T.StructField("file_modified_at", T.TimestampType(), False),
        T.StructField("record", T.StringType(), True),
        T.StructField("reason", T.StringType(), False),
    ]
)

Rule = tuple[str, Column]
_RECORD_COLUMNS = ("source_file", "file_modified_at", "record", "reason")


class BadInputError(ValueError):
    """Bad records found while ``raw.on_bad_record`` is ``fail``."""


def raw_events(records: DataFrame, raw: dict[str, Any]) -> tuple[DataFrame, DataFrame]:
    """Typed events, one row per valid record (events carry no key at this layer)."""
    j = _parsed(records, S.EVENTS)
    min_ms = int(raw["min_epoch_ms"])
    rsvps = F.coalesce(F.col("j.rsvps"), F.array())
    rules: list[Rule] = [
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


def raw_load_report(*tables: DataFrame) -> DataFrame:
    """Rows read, accepted and rejected per source; grain: one row per source.

    ``tables`` are (accepted, rejected) pairs in the order events, groups, users,
    venues. Rows read = accepted + rejected by construction of the raw nodes.
    """
    sources = ("events", "groups", "users", "venues")
    rows = []
    for index, source in enumerate(sources):
        accepted, rejected = tables[2 * index], tables[2 * index + 1]
        n_accepted, n_rejected = accepted.count(), rejected.count()
        rows.append((source, n_accepted + n_rejected, n_accepted, n_rejected))
    spark = tables[0].sparkSession
    report = spark.createDataFrame(
        rows,
        "source string, records_read long, records_accepted long, "
        "records_rejected long",
    )
    return report.withColumn("checked_at", F.current_timestamp())


def _parsed(records: DataFrame, schema: T.StructType) -> DataFrame:
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": S.CORRUPT}
    return records.select(
        F.col("source_file"),
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
    # get_json_object returns null only for text that is not JSON at all.
    not_json = F.get_json_object("record", "$").isNull()
    return [("malformed_json", bad & not_json), ("type_mismatch", bad)]


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
    checked = parsed.withColumn("reason", _first_reason(reasons)).select(
        *_RECORD_COLUMNS, *typed
    )
    content = checked.columns[len(_RECORD_COLUMNS) :]
    invalid = checked.where(F.col("reason").isNotNull())
    valid = checked.where(F.col("reason").isNull())
    if key is not None:
        valid, duplicates = _dedupe(valid, key, content)
        invalid = invalid.unionByName(duplicates)
    rejected = invalid.select(
        F.lit(source).alias("source"),
        "source_file",
        "file_modified_at",
        "record",
        "reason",
    )
    if raw.get("on_bad_record") == "fail":
        _fail_on_bad_records(source, rejected)
    accepted = valid.select(
        *content,
        F.col("source_file").alias("_source_file"),
        F.col("file_modified_at").alias("_file_modified_at"),
    )
    return accepted, rejected


def _dedupe(
    valid: DataFrame, key: str, content: list[str]
) -> tuple[DataFrame, DataFrame]:
    """Keep one row per key: the latest delivery, ties broken by content hash."""
    digest = F.md5(F.to_json(F.struct(*content)))
    ranked = valid.withColumn("_digest", digest).withColumn(
        "_rank",
        F.row_number().over(
            Window.partitionBy(key).orderBy(
                F.col("file_modified_at").desc(),
                F.col("source_file").desc(),
                F.col("_digest").desc(),
            )
        ),
    )
    winner_digest = F.first("_digest").over(Window.partitionBy(key).orderBy("_rank"))
    ranked = ranked.withColumn("_winner", winner_digest)
    kept = ranked.where("_rank = 1").drop("_digest", "_rank", "_winner")
    dropped = ranked.where("_rank > 1").withColumn(
        "reason",
        F.when(F.col("_digest") == F.col("_winner"), "identical_duplicate").otherwise(
            "duplicate_key"
        ),
    )
    return kept, dropped.drop("_digest", "_rank", "_winner")


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
