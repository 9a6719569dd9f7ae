"""Staging layer: clean, flatten and deduplicate; one row per entity.

"Latest" orderings (documented tie-breaks, so no result depends on input order):

* event versions: ``event_created_at`` desc, then the later delivery
  (``_file_modified_at``, ``_source_file``), then the md5 of the record's content;
* an RSVP: ``when`` (ms) desc, then ``guests`` desc (nulls last), then ``response``;
* a membership: ``joined`` (ms) desc, nulls last.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from motors_meetup.columns import (
    clean_description,
    clean_identifier,
    epoch_ms_to_timestamp,
    surrogate_key,
)

EVENT_IDENTITY_NULLS = {
    "group_id": "gid_null",
    "event_name": "ename_null",
    "event_start_time": "etime_null",
    "event_description": "edesc_null",
}
EVENT_ID_VERSION_SUFFIX = "1"


def event_identity(events: DataFrame) -> list[Column]:
    """The four values that identify an event (a missing one as its placeholder)."""
    return [
        F.coalesce(F.col(name).cast("string"), F.lit(placeholder))
        for name, placeholder in EVENT_IDENTITY_NULLS.items()
    ]


def stg_events(raw_events: DataFrame) -> DataFrame:
    """One row per event; key ``event_id``.

    Records sharing group, name, start time and raw description are versions of one
    event: attributes come from the latest version; ``rsvps`` holds the versions'
    arrays combined, oldest version first, without repeating an identical element.
    """
    identity = event_identity(raw_events)
    business = [c for c in raw_events.columns if not c.startswith("_")]
    content = F.md5(F.to_json(F.struct(*business)))
    versions = raw_events.withColumn(
        "event_id", surrogate_key(*identity, F.lit(EVENT_ID_VERSION_SUFFIX))
    ).withColumn(
        "_order",
        F.struct(
            F.col("event_created_at"),
            F.col("_file_modified_at"),
            F.col("_source_file"),
            content.alias("_digest"),
        ),
    )
    latest = Window.partitionBy("event_id").orderBy(F.col("_order").desc())
    combined = versions.groupBy("event_id").agg(
        F.array_sort(F.collect_list(F.struct("_order", "rsvps"))).alias("_versions")
    )
    rsvps = F.array_distinct(F.flatten(F.transform("_versions", lambda v: v["rsvps"])))
    return (
        versions.withColumn("_rank", F.row_number().over(latest))
        .where("_rank = 1")
        .join(combined, "event_id")
        .select(
            "group_id",
            "event_name",
            clean_description("event_description").alias("event_description_clean"),
            "event_created_at",
            "event_start_time",
            "event_duration_seconds",
            "rsvp_limit",
            "venue_id",
            "event_status",
            "event_id",
            clean_identifier("event_id").alias("event_id_clean"),
            F.to_date("event_start_time").alias("event_partition_date"),
            rsvps.alias("rsvps"),
        )
    )


def stg_event_rsvps(stg_events: DataFrame) -> DataFrame:
    """One row per (event, user): the user's latest answer; key ``user_event_key``."""
    answers = stg_events.select(
        "event_id",
        "event_id_clean",
        "event_created_at",
        F.explode("rsvps").alias("r"),
    )
    latest = Window.partitionBy("event_id", "r.user_id").orderBy(
        F.col("r.when").desc_nulls_last(),
        F.col("r.guests").desc_nulls_last(),
        F.col("r.response").asc_nulls_last(),
    )
    return (
        answers.withColumn("_rank", F.row_number().over(latest))
        .where("_rank = 1")
        .select(
            "event_id",
            "event_id_clean",
            F.col("r.user_id").alias("user_id"),
            F.col("r.response").alias("rsvp_response"),
            epoch_ms_to_timestamp("r.when").alias("rsvp_last_modified_at"),
            F.col("r.guests").alias("rsvp_guests"),
            surrogate_key("event_id", "r.user_id").alias("user_event_key"),
            "event_created_at",
        )
    )


def stg_groups(raw_groups: DataFrame) -> DataFrame:
    """One row per group; key ``group_id``."""
    return raw_groups.select(
        "group_id",
        "group_name",
        "city",
        "lat",
        "lon",
        "created_at",
        "group_description",
        "group_link",
    )


def stg_group_topics(raw_groups: DataFrame) -> DataFrame:
    """One row per (group, topic), repeats removed; key ``topic_key``."""
    topics = raw_groups.select("group_id", F.explode("topics").alias("topic"))
    return (
        topics.where(F.col("topic").isNotNull())
        .dropDuplicates(["group_id", "topic"])
        .select(
            "group_id", "topic", surrogate_key("group_id", "topic").alias("topic_key")
        )
    )


def stg_users(raw_users: DataFrame) -> DataFrame:
    """One row per user; key ``user_id``."""
    return raw_users.select("user_id", "city", "country", "hometown")


def stg_memberships(raw_users: DataFrame) -> DataFrame:
    """One row per (user, group): the latest ``joined``; key ``membership_key``."""
    memberships = raw_users.select("user_id", F.explode("memberships").alias("m"))
    latest = Window.partitionBy("user_id", "m.group_id").orderBy(
        F.col("m.joined").desc_nulls_last()
    )
    return (
        memberships.withColumn("_rank", F.row_number().over(latest))
        .where("_rank = 1")
        .select(
            "user_id",
            F.col("m.group_id").alias("group_id"),
            epoch_ms_to_timestamp("m.joined").alias("joined_at"),
            surrogate_key("user_id", "m.group_id").alias("membership_key"),
        )
    )


def stg_venues(raw_venues: DataFrame) -> DataFrame:
    """One row per venue; key ``venue_id``."""
    return raw_venues.select("venue_id", "venue_name", "city", "country", "lat", "lon")
