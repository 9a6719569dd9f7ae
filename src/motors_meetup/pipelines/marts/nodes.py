"""Marts layer: the star schema (``dim_*``, ``fact_*``) analysts query.

Rules shared by the tables (DESIGN §6, §7):

* Dimensions hold every staged entity plus an *inferred* row for each id that another
  table references but staging lacks: same key formula, attributes null,
  ``is_inferred`` true. So no fact row is dropped for a missing dimension row, every
  ``*_sk`` relationship holds, and entities without activity get zero metrics.
* "Today" is the ``as_of_date`` run parameter ('YYYY-MM-DD', UTC), never the wall
  clock; a date counts as its midnight in whole-day differences.
* A membership is **active** when it is the latest version of that (user, group)
  membership (``membership_version_number == 1``) and has started by the end of
  ``as_of_date`` (``joined_at`` before the next day's midnight, UTC); a membership
  without a join time is not active. ``active_memberships`` counts active ones.
* Decimal metrics round half-up; counts are ``bigint``, day differences ``int``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from motors_meetup.columns import round_half_up, surrogate_key, whole_days_between

STATUS_FLAGS = ("is_suggested", "is_proposed", "is_cancelled", "is_past", "is_upcoming")
SECONDS_PER_MINUTE = 60
MINUTES_PER_HOUR = Decimal("60.0")
MINUTES_PER_DAY = Decimal("1440.0")
ONE_DECIMAL = "decimal(18,1)"
MONTHS_PER_YEAR = 12
SUNDAY, SATURDAY = 1, 7
QUARTER_FIRST_MONTHS = (1, 4, 7, 10)
QUARTER_LAST_MONTHS = (3, 6, 9, 12)
GROUP_METRICS = ["total_members", "early_adopter_count", "active_memberships"]
# Values of the category columns, in the order the thresholds assign them; the
# marts contracts accept exactly these.
GROUP_SIZE_CATEGORIES = ("Large", "Medium", "Small")
GROUP_AGE_CATEGORIES = ("New", "Established", "Mature")
VENUE_POPULARITIES = ("High", "Medium", "Low")
RSVP_TIMING_CATEGORIES = ("Last Minute", "Within Week", "Early")


def dim_date(stg_events: DataFrame) -> DataFrame:
    """One row per day; key ``date_id`` (date).

    Spans the earliest event created/start date through the day before the date of
    (latest created or start timestamp + 1 year). ``day_of_week`` is 1 = Sunday ..
    7 = Saturday (dbt_date's numbering); ``week_of_year`` is the ISO week.
    """
    bounds = stg_events.agg(
        F.min(
            F.least(F.to_date("event_created_at"), F.to_date("event_start_time"))
        ).alias("first_day"),
        F.max(F.greatest("event_created_at", "event_start_time")).alias("latest"),
    )
    last_day = F.date_sub(F.add_months(F.to_date("latest"), MONTHS_PER_YEAR), 1)
    days = bounds.select(
        F.explode(F.sequence(F.col("first_day"), last_day)).alias("day")
    )
    day = F.col("day")
    month = F.month(day)
    is_first_of_month = F.dayofmonth(day) == 1
    is_last_of_month = day == F.last_day(day)
    return days.select(
        day.alias("date_id"),
        day.alias("date_day"),
        F.dayofweek(day).alias("day_of_week"),
        F.date_format(day, "EEEE").alias("day_of_week_name"),
        F.dayofmonth(day).alias("day_of_month"),
        month.alias("month_of_year"),
        F.date_format(day, "MMMM").alias("month_name"),
        F.quarter(day).alias("quarter_of_year"),
        F.year(day).alias("year_number"),
        F.dayofyear(day).alias("day_of_year"),
        F.weekofyear(day).alias("week_of_year"),
        F.dayofweek(day).isin(SUNDAY, SATURDAY).alias("is_weekend"),
        is_first_of_month.alias("is_month_start"),
        is_last_of_month.alias("is_month_end"),
        (is_first_of_month & month.isin(*QUARTER_FIRST_MONTHS)).alias(
            "is_quarter_start"
        ),
        (is_last_of_month & month.isin(*QUARTER_LAST_MONTHS)).alias("is_quarter_end"),
        (is_first_of_month & (month == 1)).alias("is_year_start"),
        (is_last_of_month & (month == MONTHS_PER_YEAR)).alias("is_year_end"),
    )


def dim_events(int_events_with_venues: DataFrame) -> DataFrame:
    """One row per event; key ``event_sk``.

    ``event_start_date_id`` / ``event_created_date_id`` are dates referencing
    ``dim_date`` (the start date is null for an event without a start time).
    """
    return int_events_with_venues.select(
        "event_sk",
        "event_id",
        "group_id",
        "venue_id",
        "venue_sk",
        "event_name",
        "event_description",
        "event_created_at",
        "event_start_time",
        "event_duration_seconds",
        "rsvp_limit",
        "event_status",
        "event_version_number",
        *STATUS_FLAGS,
        F.to_date("event_start_time").alias("event_start_date_id"),
        F.to_date("event_created_at").alias("event_created_date_id"),
    )


def dim_groups(
    stg_groups: DataFrame,
    int_user_memberships_with_groups: DataFrame,
    int_events_with_venues: DataFrame,
    as_of_date: str,
    thresholds: dict[str, Any],
) -> DataFrame:
    """One row per group, staged or inferred; key ``group_sk`` = sk(group_id).

    Inferred rows: group ids of memberships and events missing from staging.
    ``total_members`` counts distinct users, ``early_adopter_count`` distinct
    early-adopter users, ``active_memberships`` active memberships (see the module
    docstring); zero for groups without members. ``days_since_creation`` is whole
    days from creation to ``as_of_date``; it and ``group_age_category`` are null
    when the creation time is unknown.
    """
    as_of = _as_of(as_of_date)
    memberships = int_user_memberships_with_groups
    staged = stg_groups.select(
        "group_id",
        "group_name",
        F.col("city").alias("group_city"),
        F.col("created_at").alias("group_created_at"),
    )
    groups = _with_inferred(staged, "group_id", memberships, int_events_with_venues)
    metrics = memberships.groupBy("group_id").agg(
        F.countDistinct("user_id").alias("total_members"),
        _count_distinct_if(F.col("is_early_adopter"), "user_id").alias(
            "early_adopter_count"
        ),
        F.count_if(_is_active_membership(as_of)).alias("active_memberships"),
    )
    size, age = thresholds["group_size"], thresholds["group_age_days"]
    members = F.col("total_members")
    days = F.col("days_since_creation")
    return (
        groups.join(metrics, "group_id", "left")
        .fillna(0, subset=GROUP_METRICS)
        .withColumn(
            "days_since_creation",
            whole_days_between("group_created_at", F.lit(as_of)),
        )
        .select(
            surrogate_key("group_id").alias("group_sk"),
            "group_id",
            "group_name",
            "group_city",
            "group_created_at",
            "days_since_creation",
            *GROUP_METRICS,
            F.when(members > int(size["large_above"]), "Large")
            .when(members > int(size["medium_above"]), "Medium")
            .otherwise("Small")
            .alias("group_size_category"),
            F.when(days < int(age["new_below"]), "New")
            .when(days < int(age["established_below"]), "Established")
            .when(days.isNotNull(), "Mature")
            .alias("group_age_category"),
            "is_inferred",
        )
    )


def dim_users(
    stg_users: DataFrame,
    int_user_memberships_with_groups: DataFrame,
    int_event_rsvps: DataFrame,
    thresholds: dict[str, Any],
) -> DataFrame:
    """One row per user, staged or inferred; key ``user_sk`` = sk(user_id).

    Inferred rows: user ids of RSVPs and memberships missing from staging. Counts of
    distinct groups joined and of groups joined as an early adopter are zero, and
    first/last join times null, for users without memberships.
    """
    memberships = int_user_memberships_with_groups
    staged = stg_users.select(
        "user_id",
        F.col("city").alias("user_city"),
        F.col("country").alias("user_country"),
        F.col("hometown").alias("user_hometown"),
    )
    users = _with_inferred(staged, "user_id", int_event_rsvps, memberships)
    metrics = memberships.groupBy("user_id").agg(
        F.countDistinct("group_id").alias("total_groups_joined"),
        F.min("joined_at").alias("first_joined_at"),
        F.max("joined_at").alias("last_joined_at"),
        _count_distinct_if(F.col("is_early_adopter"), "group_id").alias(
            "early_adopter_count"
        ),
    )
    early = F.col("early_adopter_count")
    return (
        users.join(metrics, "user_id", "left")
        .fillna(0, subset=["total_groups_joined", "early_adopter_count"])
        .select(
            surrogate_key("user_id").alias("user_sk"),
            "user_id",
            "user_city",
            "user_country",
            "user_hometown",
            "total_groups_joined",
            "first_joined_at",
            "last_joined_at",
            "early_adopter_count",
            (early > 0).alias("is_any_early_adopter"),
            (early > int(thresholds["frequent_early_adopter_above"])).alias(
                "is_frequent_early_adopter"
            ),
            "is_inferred",
        )
    )


def dim_venues(
    stg_venues: DataFrame,
    int_events_with_venues: DataFrame,
    thresholds: dict[str, Any],
) -> DataFrame:
    """One row per venue, staged or inferred; key ``venue_sk`` = sk(venue_id).

    Inferred rows: venue ids of events missing from staging. ``total_events`` and
    ``total_groups_hosted`` count distinct events and groups at the venue (any
    status, with or without a start time); zero for venues without events.
    """
    staged = stg_venues.select(
        "venue_id",
        "venue_name",
        F.col("city").alias("venue_city"),
        F.col("country").alias("venue_country"),
        F.col("lat").alias("venue_lat"),
        F.col("lon").alias("venue_lon"),
    )
    venues = _with_inferred(staged, "venue_id", int_events_with_venues)
    metrics = (
        int_events_with_venues.where(F.col("venue_id").isNotNull())
        .groupBy("venue_id")
        .agg(
            F.countDistinct("event_sk").alias("total_events"),
            F.countDistinct("group_id").alias("total_groups_hosted"),
        )
    )
    popularity = thresholds["venue_popularity"]
    events = F.col("total_events")
    return (
        venues.join(metrics, "venue_id", "left")
        .fillna(0, subset=["total_events", "total_groups_hosted"])
        .select(
            surrogate_key("venue_id").alias("venue_sk"),
            "venue_id",
            "venue_name",
            "venue_city",
            "venue_country",
            "venue_lat",
            "venue_lon",
            "total_events",
            "total_groups_hosted",
            F.when(events > int(popularity["high_above"]), "High")
            .when(events > int(popularity["medium_above"]), "Medium")
            .otherwise("Low")
            .alias("venue_popularity"),
            (
                F.col("total_groups_hosted")
                > int(thresholds["multi_group_venue_above"])
            ).alias("is_multi_group_venue"),
            "is_inferred",
        )
    )


def fact_rsvps(
    int_event_rsvps: DataFrame, dim_events: DataFrame, thresholds: dict[str, Any]
) -> DataFrame:
    """One row per latest RSVP of a user to an event; key ``rsvp_sk``.

    Times to the event run from the answer to the start: whole minutes truncated
    toward zero, hours and days as ``decimal(18,1)`` = round half-up of minutes / 60
    (/ 1440), negative for answers after the start, null without a start time.
    ``rsvp_timing_category`` by whole days before the start: at most
    ``last_minute_at_most`` (answers after the start included) 'Last Minute', at most
    ``within_week_at_most`` 'Within Week', else 'Early'; null without a start time.
    ``is_same_day_rsvp``: answer and start on the same UTC date (false without a
    start time). ``total_attendance`` is guests + 1 (a missing guests count as 0)
    when attending, else 0. ``venue_sk`` and the status flags come from ``dim_events``.
    """
    events = dim_events.select(
        "event_sk", "venue_sk", "is_past", "is_upcoming", "is_cancelled"
    )
    timing = thresholds["rsvp_timing_days"]
    rsvp_time = F.col("rsvp_last_modified_at")
    start = F.col("event_start_time")
    minutes = F.col("minutes_from_rsvp_to_event")
    days = whole_days_between(rsvp_time, start)
    return (
        int_event_rsvps.where(F.col("rsvp_version_number") == 1)
        .join(events, "event_sk", "left")
        .withColumn(
            "minutes_from_rsvp_to_event", _whole_minutes_between(rsvp_time, start)
        )
        .select(
            "rsvp_sk",
            "user_sk",
            "event_sk",
            "venue_sk",
            "event_id",
            "user_id",
            "group_id",
            "event_name",
            rsvp_time.alias("rsvp_time"),
            F.to_date(rsvp_time).alias("rsvp_date"),
            "response",
            "guests",
            "rsvp_version_number",
            "is_attending",
            "is_not_attending",
            "is_waitlisted",
            "event_status",
            "event_start_time",
            F.to_date(start).alias("event_date"),
            "is_past",
            "is_upcoming",
            "is_cancelled",
            "minutes_from_rsvp_to_event",
            _one_decimal_ratio(minutes, MINUTES_PER_HOUR).alias(
                "hours_from_rsvp_to_event"
            ),
            _one_decimal_ratio(minutes, MINUTES_PER_DAY).alias(
                "days_from_rsvp_to_event"
            ),
            F.coalesce(F.to_date(rsvp_time) == F.to_date(start), F.lit(False)).alias(
                "is_same_day_rsvp"
            ),
            F.when(days <= int(timing["last_minute_at_most"]), "Last Minute")
            .when(days <= int(timing["within_week_at_most"]), "Within Week")
            .when(days.isNotNull(), "Early")
            .alias("rsvp_timing_category"),
            F.when(F.col("is_attending"), F.coalesce("guests", F.lit(0)) + 1)
            .otherwise(0)
            .alias("total_attendance"),
        )
    )


def fact_event_attendance(dim_events: DataFrame, fact_rsvps: DataFrame) -> DataFrame:
    """One row per event of ``dim_events``; key ``event_sk``.

    Counts of the event's (latest) RSVPs, zero for events without any.
    ``total_guests`` sums the guests of 'yes' answers only (a missing count as 0);
    ``total_expected_attendance`` = attending_count + total_guests;
    ``percent_capacity_filled`` = expected / rsvp_limit * 100 in double precision,
    rounded half-up to 1 decimal, null when the limit is null or 0.
    """
    attending = F.col("is_attending")
    counts = fact_rsvps.groupBy("event_sk").agg(
        F.count(F.lit(1)).alias("total_responses"),
        F.count_if(attending).alias("attending_count"),
        F.count_if(F.col("is_not_attending")).alias("not_attending_count"),
        F.count_if(F.col("is_waitlisted")).alias("waitlist_count"),
        F.sum(F.when(attending, F.coalesce("guests", F.lit(0))).otherwise(0))
        .cast("bigint")
        .alias("total_guests"),
        F.countDistinct("user_id").alias("unique_respondents"),
    )
    metrics = [
        "total_responses",
        "attending_count",
        "not_attending_count",
        "waitlist_count",
        "total_guests",
        "unique_respondents",
    ]
    expected = F.col("attending_count") + F.col("total_guests")
    limit = F.col("rsvp_limit")
    return (
        dim_events.select("event_sk", "event_start_date_id", "rsvp_limit")
        .join(counts, "event_sk", "left")
        .fillna(0, subset=metrics)
        .select(
            "event_sk",
            F.col("event_start_date_id").alias("attendance_date_id"),
            *metrics,
            expected.alias("total_expected_attendance"),
            F.when(
                limit > 0, round_half_up(expected.cast("double") * 100.0 / limit, 1)
            ).alias("percent_capacity_filled"),
        )
    )


def fact_group_activity(int_user_memberships_with_groups: DataFrame) -> DataFrame:
    """One row per (group, UTC day with a join); key (group_sk, activity_date).

    ``new_members`` / ``new_early_adopters`` count distinct users joining that day;
    ``days_since_creation`` is whole days from the group's creation to the day (null
    for an unknown group). Memberships without a join time have no day.
    """
    joins = int_user_memberships_with_groups.withColumn(
        "activity_date", F.to_date("joined_at")
    ).where(F.col("activity_date").isNotNull())
    daily = joins.groupBy(
        "group_sk", "activity_date", "group_id", "group_name", "group_created_at"
    ).agg(
        F.countDistinct("user_id").alias("new_members"),
        _count_distinct_if(F.col("is_early_adopter"), "user_id").alias(
            "new_early_adopters"
        ),
    )
    per_group = Window.partitionBy("group_sk")
    day = F.col("activity_date")
    return daily.select(
        "group_sk",
        "activity_date",
        "group_id",
        "group_name",
        "new_members",
        "new_early_adopters",
        (day == F.min(day).over(per_group)).alias("is_first_member_date"),
        (day == F.max(day).over(per_group)).alias("is_latest_member_date"),
        whole_days_between("group_created_at", day).alias("days_since_creation"),
    )


def fact_group_memberships(
    int_user_memberships_with_groups: DataFrame, as_of_date: str
) -> DataFrame:
    """One row per (user, group) membership; key ``membership_sk``.

    ``membership_age_days`` / ``membership_age_months``: whole days / whole calendar
    months from ``joined_at`` to ``as_of_date`` (negative days for a later join).
    ``is_active``: see the module docstring.
    """
    as_of = _as_of(as_of_date)
    as_of_midnight = F.lit(as_of).cast("timestamp")
    joined_at = F.col("joined_at")
    return int_user_memberships_with_groups.select(
        "membership_sk",
        "user_sk",
        "group_sk",
        "user_id",
        "group_id",
        "joined_at",
        F.to_date(joined_at).alias("joined_date"),
        "membership_version_number",
        "days_from_group_creation_to_join",
        "is_early_adopter",
        "group_name",
        "group_city",
        "group_created_at",
        "user_city",
        "user_country",
        "user_hometown",
        whole_days_between(joined_at, as_of_midnight).alias("membership_age_days"),
        F.timestamp_diff("MONTH", joined_at, as_of_midnight)
        .cast("int")
        .alias("membership_age_months"),
        _is_active_membership(as_of).alias("is_active"),
    )


def fact_venue_activity(int_events_with_venues: DataFrame) -> DataFrame:
    """One row per (venue, UTC day with an event); key (venue_sk, activity_date).

    Events without a venue or without a start time have no venue-day.
    ``daily_events`` / ``cancelled_events`` / ``daily_groups`` count distinct events,
    cancelled events and groups that day; ``days_since_first_event`` is days since the
    venue's first event day; ``venue_active_days`` the venue's number of event days.
    """
    events = int_events_with_venues.withColumn(
        "activity_date", F.to_date("event_start_time")
    ).where(F.col("venue_id").isNotNull() & F.col("activity_date").isNotNull())
    daily = events.groupBy("venue_sk", "activity_date", "venue_id", "venue_name").agg(
        F.countDistinct("event_sk").alias("daily_events"),
        F.countDistinct("group_id").alias("daily_groups"),
        _count_distinct_if(F.col("is_cancelled"), "event_sk").alias("cancelled_events"),
    )
    per_venue = Window.partitionBy("venue_sk")
    day = F.col("activity_date")
    first_day = F.min(day).over(per_venue)
    return daily.select(
        "venue_sk",
        "activity_date",
        "venue_id",
        "venue_name",
        "daily_events",
        "daily_groups",
        "cancelled_events",
        (day == first_day).alias("is_first_event_date"),
        (day == F.max(day).over(per_venue)).alias("is_last_event_date"),
        whole_days_between(first_day, day).alias("days_since_first_event"),
        F.count(F.lit(1)).over(per_venue).alias("venue_active_days"),
    )


def _as_of(as_of_date: str | date) -> date:
    """The ``as_of_date`` parameter as a date; it must be 'YYYY-MM-DD'."""
    if isinstance(as_of_date, datetime):
        return as_of_date.date()
    if isinstance(as_of_date, date):
        return as_of_date
    try:
        return date.fromisoformat(str(as_of_date).strip())
    except ValueError as error:
        raise ValueError(
            f"Parameter as_of_date must be a date 'YYYY-MM-DD', got {as_of_date!r}"
        ) from error


def _is_active_membership(as_of: date) -> Column:
    # joined_at is a UTC timestamp: "by the end of as_of" is before the next midnight.
    next_midnight = F.lit(as_of + timedelta(days=1)).cast("timestamp")
    active = (F.col("membership_version_number") == 1) & (
        F.col("joined_at") < next_midnight
    )
    return F.coalesce(active, F.lit(False))


def _with_inferred(
    staged: DataFrame, id_column: str, *referencing: DataFrame
) -> DataFrame:
    """``staged`` rows plus one all-null row per id referenced but not staged."""
    referenced = referencing[0].select(id_column)
    for other in referencing[1:]:
        referenced = referenced.unionByName(other.select(id_column))
    unknown = (
        referenced.where(F.col(id_column).isNotNull())
        .distinct()
        .join(staged.select(id_column), id_column, "left_anti")
    )
    return staged.withColumn("is_inferred", F.lit(False)).unionByName(
        unknown.withColumn("is_inferred", F.lit(True)), allowMissingColumns=True
    )


def _count_distinct_if(condition: Column, column: str) -> Column:
    return F.countDistinct(F.when(condition, F.col(column)))


def _whole_minutes_between(start: Column, end: Column) -> Column:
    """Whole minutes from ``start`` to ``end``, truncated toward zero (bigint)."""
    seconds = F.unix_timestamp(end) - F.unix_timestamp(start)
    # Spark's % keeps the dividend's sign, so this truncates toward zero.
    return ((seconds - seconds % SECONDS_PER_MINUTE) / SECONDS_PER_MINUTE).cast(
        "bigint"
    )


def _one_decimal_ratio(numerator: Column, denominator: Decimal) -> Column:
    """``numerator / denominator`` by decimal division, rounded half-up to 1 decimal."""
    return F.round(numerator / F.lit(denominator), 1).cast(ONE_DECIMAL)
