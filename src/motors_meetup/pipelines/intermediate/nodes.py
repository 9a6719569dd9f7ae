"""Intermediate layer: business logic, surrogate keys and version numbers.

Staging already resolves versions (one row per event, per (event, user) answer and per
(user, group) membership), so every ``*_version_number`` here is 1; the columns are
kept, computed honestly, for compatibility with the dbt project's models.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from motors_meetup.columns import surrogate_key, whole_days_between

STATUS_FLAGS = {
    "is_suggested": "suggested",
    "is_proposed": "proposed",
    "is_cancelled": "cancelled",
    "is_past": "past",
    "is_upcoming": "upcoming",
}
RESPONSE_FLAGS = {
    "is_attending": "yes",
    "is_not_attending": "no",
    "is_waitlisted": "waitlist",
}


def flag(column: str, value: str) -> Column:
    """True when ``column`` equals ``value``; false (never null) otherwise."""
    return F.coalesce(F.col(column) == F.lit(value), F.lit(False))


def version_number(keys: list[str], *order: Column) -> Column:
    """1 for the latest row of each ``keys`` group under ``order``, then 2, 3..."""
    return F.row_number().over(Window.partitionBy(*keys).orderBy(*order))


def int_events_with_venues(stg_events: DataFrame, stg_venues: DataFrame) -> DataFrame:
    """One row per event with its venue's attributes; key ``event_sk``.

    ``venue_sk`` = sk(venue_id) whenever the event names a venue, known or not.
    """
    venues = stg_venues.select(
        F.col("venue_id").alias("_venue_id"),
        F.col("venue_name"),
        F.col("city").alias("venue_city"),
        F.col("country").alias("venue_country"),
        F.col("lat").alias("venue_lat"),
        F.col("lon").alias("venue_lon"),
    )
    joined = stg_events.join(
        venues, stg_events["venue_id"] == venues["_venue_id"], "left"
    )
    return joined.select(
        F.col("event_id").alias("event_sk"),
        F.when(F.col("venue_id").isNotNull(), surrogate_key("venue_id")).alias(
            "venue_sk"
        ),
        "event_id",
        "group_id",
        "event_name",
        F.col("event_description_clean").alias("event_description"),
        "event_created_at",
        "event_start_time",
        "event_duration_seconds",
        "rsvp_limit",
        "event_status",
        version_number(["event_id"], F.col("event_created_at").desc()).alias(
            "event_version_number"
        ),
        *[flag("event_status", status).alias(n) for n, status in STATUS_FLAGS.items()],
        "venue_id",
        "venue_name",
        "venue_city",
        "venue_country",
        "venue_lat",
        "venue_lon",
    )


def int_event_rsvps(
    stg_event_rsvps: DataFrame, stg_events: DataFrame, stg_users: DataFrame
) -> DataFrame:
    """One row per (user, event) for events that exist; key ``rsvp_sk``."""
    events = stg_events.select(
        "event_id",
        "group_id",
        "event_name",
        "event_status",
        "event_start_time",
        "venue_id",
    )
    users = stg_users.select(
        "user_id",
        F.col("city").alias("user_city"),
        F.col("country").alias("user_country"),
    )
    joined = stg_event_rsvps.join(events, "event_id").join(users, "user_id", "left")
    return joined.select(
        surrogate_key("user_id", "event_id").alias("rsvp_sk"),
        surrogate_key("user_id").alias("user_sk"),
        F.col("event_id").alias("event_sk"),
        "event_id",
        "event_id_clean",
        "group_id",
        "event_name",
        "event_status",
        "event_start_time",
        "venue_id",
        "user_id",
        "user_city",
        "user_country",
        "rsvp_last_modified_at",
        F.col("rsvp_response").alias("response"),
        F.col("rsvp_guests").alias("guests"),
        version_number(
            ["event_id", "user_id"], F.col("rsvp_last_modified_at").desc()
        ).alias("rsvp_version_number"),
        *[
            flag("rsvp_response", value).alias(name)
            for name, value in RESPONSE_FLAGS.items()
        ],
    )


def int_user_memberships_with_groups(
    stg_memberships: DataFrame,
    stg_users: DataFrame,
    stg_groups: DataFrame,
    thresholds: dict[str, Any],
) -> DataFrame:
    """One row per (user, group) membership; key ``membership_sk``.

    ``is_early_adopter``: joined 0..``early_adopter_days`` whole days after the
    group's creation; false when unknown or negative (a join before creation).
    """
    users = stg_users.select(
        "user_id",
        F.col("city").alias("user_city"),
        F.col("country").alias("user_country"),
        F.col("hometown").alias("user_hometown"),
    )
    groups = stg_groups.select(
        F.col("group_id").alias("_group_id"),
        "group_name",
        F.col("city").alias("group_city"),
        F.col("created_at").alias("group_created_at"),
    )
    joined = stg_memberships.join(users, "user_id", "left").join(
        groups, stg_memberships["group_id"] == groups["_group_id"], "left"
    )
    days = whole_days_between("group_created_at", "joined_at")
    # A join before creation is a data error, even when less than a whole day early.
    on_or_after = F.col("joined_at") >= F.col("group_created_at")
    early = on_or_after & (days <= int(thresholds["early_adopter_days"]))
    return joined.select(
        surrogate_key("user_id", "group_id").alias("membership_sk"),
        surrogate_key("user_id").alias("user_sk"),
        surrogate_key("group_id").alias("group_sk"),
        "user_id",
        "user_city",
        "user_country",
        "user_hometown",
        "group_id",
        "group_name",
        "group_city",
        "group_created_at",
        "joined_at",
        version_number(["user_id", "group_id"], F.col("joined_at").desc()).alias(
            "membership_version_number"
        ),
        days.alias("days_from_group_creation_to_join"),
        F.coalesce(early, F.lit(False)).alias("is_early_adopter"),
    )
