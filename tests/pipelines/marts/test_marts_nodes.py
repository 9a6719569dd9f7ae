"""Marts nodes: one small hand-made warehouse, expected rows written out in full.

The scenario (as of 2017-06-30, UTC):

* groups g1 (3 members), g2 (none, created 29 days ago), g3 (old, none); unknown
  groups g8 (only an event's) and g9 (only memberships');
* users u1, u2, u4 with memberships, u3 without any activity; unknown user u9 (only an
  RSVP's);
* venues v1 (four events), v2 (none); unknown venue v9 (only an event's);
* events e1..e6: e2 cancelled with rsvp_limit 0, e4 without start time, e6 without
  venue, e3 and e6 without RSVPs.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from pyspark.sql import DataFrame, SparkSession

from motors_meetup.pipelines.marts import nodes
from motors_meetup.pipelines.marts.pipeline import create_pipeline

AS_OF_DATE = "2017-06-30"
THRESHOLDS: dict[str, Any] = {
    "early_adopter_days": 30,
    "group_size": {"large_above": 100, "medium_above": 50},
    "group_age_days": {"new_below": 90, "established_below": 365},
    "venue_popularity": {"high_above": 10, "medium_above": 5},
    "multi_group_venue_above": 3,
    "frequent_early_adopter_above": 2,
    "rsvp_timing_days": {"last_minute_at_most": 1, "within_week_at_most": 7},
}

STG_EVENTS = (
    "group_id string, event_name string, event_description_clean string, "
    "event_created_at timestamp, event_start_time timestamp, "
    "event_duration_seconds bigint, rsvp_limit int, venue_id string, "
    "event_status string, event_id string, event_id_clean string, "
    "event_partition_date date, "
    "rsvps array<struct<user_id: string, response: string, `when`: bigint, "
    "guests: int>>"
)
STG_GROUPS = (
    "group_id string, group_name string, city string, lat double, lon double, "
    "created_at timestamp, group_description string, group_link string"
)
STG_USERS = "user_id string, city string, country string, hometown string"
STG_VENUES = (
    "venue_id string, venue_name string, city string, country string, "
    "lat double, lon double"
)
INT_EVENTS = (
    "event_sk string, venue_sk string, event_id string, group_id string, "
    "event_name string, event_description string, event_created_at timestamp, "
    "event_start_time timestamp, event_duration_seconds bigint, rsvp_limit int, "
    "event_status string, event_version_number int, is_suggested boolean, "
    "is_proposed boolean, is_cancelled boolean, is_past boolean, "
    "is_upcoming boolean, venue_id string, venue_name string, venue_city string, "
    "venue_country string, venue_lat double, venue_lon double"
)
INT_RSVPS = (
    "rsvp_sk string, user_sk string, event_sk string, event_id string, "
    "event_id_clean string, group_id string, event_name string, "
    "event_status string, event_start_time timestamp, venue_id string, "
    "user_id string, user_city string, user_country string, "
    "rsvp_last_modified_at timestamp, response string, guests int, "
    "rsvp_version_number int, is_attending boolean, is_not_attending boolean, "
    "is_waitlisted boolean"
)
INT_MEMBERSHIPS = (
    "membership_sk string, user_sk string, group_sk string, user_id string, "
    "user_city string, user_country string, user_hometown string, "
    "group_id string, group_name string, group_city string, "
    "group_created_at timestamp, joined_at timestamp, "
    "membership_version_number int, days_from_group_creation_to_join int, "
    "is_early_adopter boolean"
)

GROUPS = {
    "g1": ("Spark Fans", "Berlin", datetime(2017, 1, 1)),
    "g2": ("Idle Group", "Paris", datetime(2017, 6, 1, 12)),
    "g3": ("Old Timers", "Rome", datetime(2015, 6, 30)),
}
USERS = {
    "u1": ("Berlin", "de", "Hamburg"),
    "u2": ("Paris", "fr", "Lyon"),
    "u3": ("Rome", "it", None),
    "u4": ("Berlin", "de", "Berlin"),
}
VENUES = {
    "v1": ("Hall", "Berlin", "de", 52.52, 13.40),
    "v2": ("Empty Room", "Paris", "fr", 48.85, 2.35),
}
_t = datetime
# event_id: group_id, venue_id, created, start, status, rsvp_limit
EVENTS: dict[str, tuple[Any, ...]] = {
    "e1": ("g1", "v1", _t(2017, 2, 1, 9), _t(2017, 3, 4, 18, 30), "past", 12),
    "e2": ("g1", "v1", _t(2017, 2, 2, 9), _t(2017, 3, 4, 20), "cancelled", 0),
    "e3": ("g8", "v9", _t(2017, 2, 3, 9), _t(2017, 3, 10, 18), "upcoming", None),
    "e4": ("g1", "v1", _t(2017, 5, 1, 9), None, "suggested", 5),
    "e5": ("g1", "v1", _t(2017, 3, 1, 9), _t(2017, 4, 1, 11), "past", 16),
    "e6": ("g1", None, _t(2017, 2, 5, 9), _t(2017, 3, 4, 10), "past", None),
}
STATUSES = ("suggested", "proposed", "cancelled", "past", "upcoming")


def frame(spark: SparkSession, rows: list[tuple], schema: str) -> DataFrame:
    """A DataFrame of ``rows`` with the explicit ``schema`` (DDL).

    Built through pandas and Arrow so the data lives in the JVM: scanning it needs
    no Python worker, which keeps the many small Spark jobs of this module fast.
    """
    return spark.createDataFrame(pd.DataFrame.from_records(rows), schema)


def sk(*values: object) -> str:
    """dbt_utils.generate_surrogate_key, independently of the code under test."""
    text = "-".join(
        "_dbt_utils_surrogate_key_null_" if value is None else str(value)
        for value in values
    )
    return hashlib.md5(text.encode()).hexdigest()


def event_row(event_id: str) -> tuple[Any, ...]:
    group_id, venue_id, created, start, status, limit = EVENTS[event_id]
    venue = VENUES.get(venue_id, (None,) * 5)
    return (
        event_id,
        sk(venue_id) if venue_id else None,
        event_id,
        group_id,
        f"Event {event_id}",
        f"About {event_id}",
        created,
        start,
        7200,
        limit,
        status,
        1,
        *[status == flag for flag in STATUSES],
        venue_id,
        *venue,
    )


def rsvp_row(
    user_id: str,
    event_id: str,
    response: str,
    guests: int | None,
    when: datetime,
    version: int = 1,
) -> tuple[Any, ...]:
    group_id, venue_id, _, start, status, _ = EVENTS[event_id]
    city, country, _ = USERS.get(user_id, (None, None, None))
    return (
        sk(user_id, event_id),
        sk(user_id),
        event_id,
        event_id,
        event_id,
        group_id,
        f"Event {event_id}",
        status,
        start,
        venue_id,
        user_id,
        city,
        country,
        when,
        response,
        guests,
        version,
        response == "yes",
        response == "no",
        response == "waitlist",
    )


def membership_row(
    user_id: str,
    group_id: str,
    joined_at: datetime | None,
    days: int | None,
    early: bool,
    version: int = 1,
) -> tuple[Any, ...]:
    return (
        sk(user_id, group_id),
        sk(user_id),
        sk(group_id),
        user_id,
        *USERS.get(user_id, (None, None, None)),
        group_id,
        *GROUPS.get(group_id, (None, None, None)),
        joined_at,
        version,
        days,
        early,
    )


def stg_event_row(created: datetime, start: datetime | None) -> tuple[Any, ...]:
    return ("g1", "x", None, created, start, 0, None, None, "past", "e", "e", None, [])


SCENARIO_RSVPS = [
    rsvp_row("u1", "e1", "yes", 2, datetime(2017, 3, 1, 18, 27)),
    rsvp_row("u2", "e1", "no", 3, datetime(2017, 3, 4, 18, 0, 30)),
    rsvp_row("u9", "e1", "yes", None, datetime(2017, 2, 1, 18, 30)),
    rsvp_row("u1", "e2", "waitlist", 0, datetime(2017, 3, 6, 21, 30)),
    rsvp_row("u1", "e4", "yes", 1, datetime(2017, 4, 20, 12)),
    rsvp_row("u2", "e5", "yes", 0, datetime(2017, 3, 31, 12)),
]
SCENARIO_MEMBERSHIPS = [
    membership_row("u1", "g1", datetime(2017, 1, 10, 10), 9, True),
    membership_row("u2", "g1", datetime(2017, 1, 10, 23), 9, True),
    membership_row("u4", "g1", datetime(2017, 2, 15, 8), 45, False),
    membership_row("u1", "g9", datetime(2017, 6, 30, 23, 59, 59), None, False),
    membership_row("u2", "g9", datetime(2017, 7, 1), None, False),
]
ORDER = {
    "dim_date": ["date_id"],
    "dim_events": ["event_sk"],
    "dim_groups": ["group_id"],
    "dim_users": ["user_id"],
    "dim_venues": ["venue_id"],
    "fact_rsvps": ["event_id", "user_id"],
    "fact_event_attendance": ["event_sk"],
    "fact_group_activity": ["group_id", "activity_date"],
    "fact_group_memberships": ["user_id", "group_id"],
    "fact_venue_activity": ["venue_id", "activity_date"],
}


@pytest.fixture(scope="module")
def inputs(spark: SparkSession) -> dict[str, DataFrame]:
    groups = [
        (gid, name, city, 1.0, 2.0, created, None, f"https://meetup.com/{gid}")
        for gid, (name, city, created) in GROUPS.items()
    ]
    events = [event_row(event_id) for event_id in EVENTS]
    stg_events = [
        stg_event_row(created, start) for _, _, created, start, _, _ in EVENTS.values()
    ]
    return {
        "stg_events": frame(spark, stg_events, STG_EVENTS),
        "stg_groups": frame(spark, groups, STG_GROUPS),
        "stg_users": frame(
            spark, [(uid, *attributes) for uid, attributes in USERS.items()], STG_USERS
        ),
        "stg_venues": frame(
            spark,
            [(vid, *attributes) for vid, attributes in VENUES.items()],
            STG_VENUES,
        ),
        "events": frame(spark, events, INT_EVENTS),
        "rsvps": frame(spark, SCENARIO_RSVPS, INT_RSVPS),
        "memberships": frame(spark, SCENARIO_MEMBERSHIPS, INT_MEMBERSHIPS),
    }


@pytest.fixture(scope="module")
def marts(inputs: dict[str, DataFrame]) -> dict[str, DataFrame]:
    i = inputs
    events = nodes.dim_events(i["events"])
    rsvps = nodes.fact_rsvps(i["rsvps"], events, THRESHOLDS)
    return {
        "dim_date": nodes.dim_date(i["stg_events"]),
        "dim_events": events,
        "dim_groups": nodes.dim_groups(
            i["stg_groups"], i["memberships"], i["events"], AS_OF_DATE, THRESHOLDS
        ),
        "dim_users": nodes.dim_users(
            i["stg_users"], i["memberships"], i["rsvps"], THRESHOLDS
        ),
        "dim_venues": nodes.dim_venues(i["stg_venues"], i["events"], THRESHOLDS),
        "fact_rsvps": rsvps,
        "fact_event_attendance": nodes.fact_event_attendance(events, rsvps),
        "fact_group_activity": nodes.fact_group_activity(i["memberships"]),
        "fact_group_memberships": nodes.fact_group_memberships(
            i["memberships"], AS_OF_DATE
        ),
        "fact_venue_activity": nodes.fact_venue_activity(i["events"]),
    }


@pytest.fixture(scope="module")
def rows(marts: dict[str, DataFrame]) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart of the scenario, collected once, in a readable order."""
    return {
        table: [tuple(row) for row in frame.orderBy(*ORDER[table]).collect()]
        for table, frame in marts.items()
    }


def collected(frame: DataFrame, *order: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in frame.orderBy(*(order or frame.columns)).collect()]


def by_key(table_rows: list[tuple[Any, ...]], position: int = 0) -> dict[Any, tuple]:
    return {row[position]: row for row in table_rows}


# --- dim_date ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def calendar(spark: SparkSession) -> DataFrame:
    # Earliest: a created date; latest: a start time (a null start is ignored).
    stg_events = frame(
        spark,
        [
            stg_event_row(datetime(2016, 2, 27, 10), datetime(2016, 3, 5, 18)),
            stg_event_row(datetime(2016, 3, 1, 9), None),
        ],
        STG_EVENTS,
    )
    return nodes.dim_date(stg_events)


def test_dim_date_spans_to_day_before_latest_plus_one_year(calendar: DataFrame) -> None:
    bounds = calendar.selectExpr("min(date_id)", "max(date_id)", "count(*)").first()

    # latest 2016-03-05 18:00 + 1 year = 2017-03-05; the day before is the last day.
    assert tuple(bounds) == (date(2016, 2, 27), date(2017, 3, 4), 372)


def test_dim_date_numbers_weekdays_from_sunday_and_weeks_iso(
    calendar: DataFrame,
) -> None:
    picked = [date(2016, 2, 27), date(2016, 2, 29), date(2016, 3, 31)]
    picked += [date(2016, 12, 31), date(2017, 1, 1), date(2017, 1, 2)]

    result = collected(calendar.where(calendar.date_id.isin(picked)), "date_id")

    assert calendar.columns == [
        "date_id", "date_day", "day_of_week", "day_of_week_name", "day_of_month",
        "month_of_year", "month_name", "quarter_of_year", "year_number",
        "day_of_year", "week_of_year", "is_weekend", "is_month_start",
        "is_month_end", "is_quarter_start", "is_quarter_end", "is_year_start",
        "is_year_end",
    ]  # fmt: skip
    d = date
    assert result == [
        (d(2016, 2, 27), d(2016, 2, 27), 7, "Saturday", 27, 2, "February", 1, 2016,
         58, 8, True, False, False, False, False, False, False),
        (d(2016, 2, 29), d(2016, 2, 29), 2, "Monday", 29, 2, "February", 1, 2016,
         60, 9, False, False, True, False, False, False, False),
        (d(2016, 3, 31), d(2016, 3, 31), 5, "Thursday", 31, 3, "March", 1, 2016,
         91, 13, False, False, True, False, True, False, False),
        (d(2016, 12, 31), d(2016, 12, 31), 7, "Saturday", 31, 12, "December", 4,
         2016, 366, 52, True, False, True, False, True, False, True),
        (d(2017, 1, 1), d(2017, 1, 1), 1, "Sunday", 1, 1, "January", 1, 2017,
         1, 52, True, True, False, True, False, True, False),
        (d(2017, 1, 2), d(2017, 1, 2), 2, "Monday", 2, 1, "January", 1, 2017,
         2, 1, False, False, False, False, False, False, False),
    ]  # fmt: skip


def test_dim_date_covers_every_date_id_of_dim_events(
    rows: dict[str, list[tuple]],
) -> None:
    days = {row[0] for row in rows["dim_date"]}
    referenced = {row[-1] for row in rows["dim_events"]}
    referenced |= {row[-2] for row in rows["dim_events"] if row[-2] is not None}

    assert referenced <= days
    assert min(days) == date(2017, 2, 1)
    assert max(days) == date(2018, 4, 30)  # latest: e4 created 2017-05-01 09:00


# --- dim_events -------------------------------------------------------------------


def test_dim_events_has_one_row_per_event_with_date_ids(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["dim_events"].columns == [
        "event_sk", "event_id", "group_id", "venue_id", "venue_sk", "event_name",
        "event_description", "event_created_at", "event_start_time",
        "event_duration_seconds", "rsvp_limit", "event_status",
        "event_version_number", "is_suggested", "is_proposed", "is_cancelled",
        "is_past", "is_upcoming", "event_start_date_id", "event_created_date_id",
    ]  # fmt: skip
    t, d = datetime, date
    v1, v9 = sk("v1"), sk("v9")
    assert rows["dim_events"] == [
        ("e1", "e1", "g1", "v1", v1, "Event e1", "About e1", t(2017, 2, 1, 9),
         t(2017, 3, 4, 18, 30), 7200, 12, "past", 1, False, False, False, True,
         False, d(2017, 3, 4), d(2017, 2, 1)),
        ("e2", "e2", "g1", "v1", v1, "Event e2", "About e2", t(2017, 2, 2, 9),
         t(2017, 3, 4, 20), 7200, 0, "cancelled", 1, False, False, True, False,
         False, d(2017, 3, 4), d(2017, 2, 2)),
        ("e3", "e3", "g8", "v9", v9, "Event e3", "About e3", t(2017, 2, 3, 9),
         t(2017, 3, 10, 18), 7200, None, "upcoming", 1, False, False, False, False,
         True, d(2017, 3, 10), d(2017, 2, 3)),
        ("e4", "e4", "g1", "v1", v1, "Event e4", "About e4", t(2017, 5, 1, 9),
         None, 7200, 5, "suggested", 1, True, False, False, False, False, None,
         d(2017, 5, 1)),
        ("e5", "e5", "g1", "v1", v1, "Event e5", "About e5", t(2017, 3, 1, 9),
         t(2017, 4, 1, 11), 7200, 16, "past", 1, False, False, False, True, False,
         d(2017, 4, 1), d(2017, 3, 1)),
        ("e6", "e6", "g1", None, None, "Event e6", "About e6", t(2017, 2, 5, 9),
         t(2017, 3, 4, 10), 7200, None, "past", 1, False, False, False, True, False,
         d(2017, 3, 4), d(2017, 2, 5)),
    ]  # fmt: skip


def test_dim_events_date_ids_are_dates(marts: dict[str, DataFrame]) -> None:
    types = dict(marts["dim_events"].dtypes)

    assert types["event_start_date_id"] == "date"
    assert types["event_created_date_id"] == "date"


# --- dim_groups -------------------------------------------------------------------


def test_dim_groups_holds_every_group_with_zero_counts_and_inferred_rows(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["dim_groups"].columns == [
        "group_sk", "group_id", "group_name", "group_city", "group_created_at",
        "days_since_creation", "total_members", "early_adopter_count",
        "active_memberships", "group_size_category", "group_age_category",
        "is_inferred",
    ]  # fmt: skip
    t = datetime
    assert rows["dim_groups"] == [
        (sk("g1"), "g1", "Spark Fans", "Berlin", t(2017, 1, 1), 180, 3, 2, 3,
         "Small", "Established", False),
        (sk("g2"), "g2", "Idle Group", "Paris", t(2017, 6, 1, 12), 28, 0, 0, 0,
         "Small", "New", False),
        (sk("g3"), "g3", "Old Timers", "Rome", t(2015, 6, 30), 731, 0, 0, 0,
         "Small", "Mature", False),
        (sk("g8"), "g8", None, None, None, None, 0, 0, 0, "Small", None, True),
        (sk("g9"), "g9", None, None, None, None, 2, 0, 1, "Small", None, True),
    ]  # fmt: skip


def test_dim_groups_adds_inferred_row_for_unknown_group_of_membership(
    rows: dict[str, list[tuple]],
) -> None:
    g9 = by_key(rows["dim_groups"], 1)["g9"]

    assert g9[0] == sk("g9")
    assert g9[2:6] == (None, None, None, None)
    assert g9[-1] is True


def test_dim_groups_adds_inferred_row_for_unknown_group_of_event(
    rows: dict[str, list[tuple]],
) -> None:
    assert by_key(rows["dim_groups"], 1)["g8"] == (
        sk("g8"),
        "g8",
        None,
        None,
        None,
        None,
        0,
        0,
        0,
        "Small",
        None,
        True,
    )


def test_dim_groups_active_memberships_exclude_joins_after_end_of_as_of_date(
    rows: dict[str, list[tuple]],
) -> None:
    # g9: u1 joined 2017-06-30 23:59:59 (active), u2 2017-07-01 00:00 (not yet).
    g9 = by_key(rows["dim_groups"], 1)["g9"]

    assert (g9[6], g9[8]) == (2, 1)


def test_dim_groups_categories_follow_thresholds(
    inputs: dict[str, DataFrame],
) -> None:
    thresholds = {
        **THRESHOLDS,
        "group_size": {"large_above": 2, "medium_above": 1},
        "group_age_days": {"new_below": 29, "established_below": 181},
    }

    result = nodes.dim_groups(
        inputs["stg_groups"],
        inputs["memberships"],
        inputs["events"],
        AS_OF_DATE,
        thresholds,
    ).select("group_id", "total_members", "group_size_category", "group_age_category")

    assert collected(result, "group_id") == [
        ("g1", 3, "Large", "Established"),
        ("g2", 0, "Small", "New"),
        ("g3", 0, "Small", "Mature"),
        ("g8", 0, "Small", None),
        ("g9", 2, "Medium", None),
    ]


def test_as_of_date_must_be_an_iso_date(inputs: dict[str, DataFrame]) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        nodes.fact_group_memberships(inputs["memberships"], "30/06/2017")


# --- dim_users --------------------------------------------------------------------


def test_dim_users_holds_every_user_with_zero_counts_and_inferred_rows(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["dim_users"].columns == [
        "user_sk", "user_id", "user_city", "user_country", "user_hometown",
        "total_groups_joined", "first_joined_at", "last_joined_at",
        "early_adopter_count", "is_any_early_adopter", "is_frequent_early_adopter",
        "is_inferred",
    ]  # fmt: skip
    t = datetime
    assert rows["dim_users"] == [
        (sk("u1"), "u1", "Berlin", "de", "Hamburg", 2, t(2017, 1, 10, 10),
         t(2017, 6, 30, 23, 59, 59), 1, True, False, False),
        (sk("u2"), "u2", "Paris", "fr", "Lyon", 2, t(2017, 1, 10, 23),
         t(2017, 7, 1), 1, True, False, False),
        (sk("u3"), "u3", "Rome", "it", None, 0, None, None, 0, False, False, False),
        (sk("u4"), "u4", "Berlin", "de", "Berlin", 1, t(2017, 2, 15, 8),
         t(2017, 2, 15, 8), 0, False, False, False),
        (sk("u9"), "u9", None, None, None, 0, None, None, 0, False, False, True),
    ]  # fmt: skip


def test_dim_users_adds_inferred_row_for_unknown_user_of_rsvp(
    rows: dict[str, list[tuple]],
) -> None:
    u9 = by_key(rows["dim_users"], 1)["u9"]

    assert (u9[0], u9[2:5], u9[-1]) == (sk("u9"), (None, None, None), True)


def test_dim_users_frequent_early_adopter_is_above_threshold(
    inputs: dict[str, DataFrame],
) -> None:
    thresholds = {**THRESHOLDS, "frequent_early_adopter_above": 0}

    result = nodes.dim_users(
        inputs["stg_users"], inputs["memberships"], inputs["rsvps"], thresholds
    ).select("user_id", "early_adopter_count", "is_frequent_early_adopter")

    assert collected(result, "user_id") == [
        ("u1", 1, True),
        ("u2", 1, True),
        ("u3", 0, False),
        ("u4", 0, False),
        ("u9", 0, False),
    ]


# --- dim_venues -------------------------------------------------------------------


def test_dim_venues_holds_every_venue_with_zero_counts_and_inferred_rows(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["dim_venues"].columns == [
        "venue_sk", "venue_id", "venue_name", "venue_city", "venue_country",
        "venue_lat", "venue_lon", "total_events", "total_groups_hosted",
        "venue_popularity", "is_multi_group_venue", "is_inferred",
    ]  # fmt: skip
    assert rows["dim_venues"] == [
        (sk("v1"), "v1", "Hall", "Berlin", "de", 52.52, 13.40, 4, 1, "Low", False,
         False),
        (sk("v2"), "v2", "Empty Room", "Paris", "fr", 48.85, 2.35, 0, 0, "Low",
         False, False),
        (sk("v9"), "v9", None, None, None, None, None, 1, 1, "Low", False, True),
    ]  # fmt: skip


def test_dim_venues_adds_inferred_row_for_unknown_venue_of_event(
    rows: dict[str, list[tuple]],
) -> None:
    v9 = by_key(rows["dim_venues"], 1)["v9"]

    assert (v9[0], v9[-1]) == (sk("v9"), True)


def test_dim_venues_popularity_and_multi_group_follow_thresholds(
    inputs: dict[str, DataFrame],
) -> None:
    thresholds = {
        **THRESHOLDS,
        "venue_popularity": {"high_above": 3, "medium_above": 0},
        "multi_group_venue_above": 0,
    }

    result = nodes.dim_venues(
        inputs["stg_venues"], inputs["events"], thresholds
    ).select("venue_id", "venue_popularity", "is_multi_group_venue")

    assert collected(result, "venue_id") == [
        ("v1", "High", True),
        ("v2", "Low", False),
        ("v9", "Medium", True),
    ]


# --- fact_rsvps -------------------------------------------------------------------


def test_fact_rsvps_has_one_row_per_latest_rsvp_with_timing(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["fact_rsvps"].columns == [
        "rsvp_sk", "user_sk", "event_sk", "venue_sk", "event_id", "user_id",
        "group_id", "event_name", "rsvp_time", "rsvp_date", "response", "guests",
        "rsvp_version_number", "is_attending", "is_not_attending", "is_waitlisted",
        "event_status", "event_start_time", "event_date", "is_past", "is_upcoming",
        "is_cancelled", "minutes_from_rsvp_to_event", "hours_from_rsvp_to_event",
        "days_from_rsvp_to_event", "is_same_day_rsvp", "rsvp_timing_category",
        "total_attendance",
    ]  # fmt: skip
    t, d, D = datetime, date, Decimal
    v1 = sk("v1")
    assert rows["fact_rsvps"] == [
        (sk("u1", "e1"), sk("u1"), "e1", v1, "e1", "u1", "g1", "Event e1",
         t(2017, 3, 1, 18, 27), d(2017, 3, 1), "yes", 2, 1, True, False, False,
         "past", t(2017, 3, 4, 18, 30), d(2017, 3, 4), True, False, False,
         4323, D("72.1"), D("3.0"), False, "Within Week", 3),
        (sk("u2", "e1"), sk("u2"), "e1", v1, "e1", "u2", "g1", "Event e1",
         t(2017, 3, 4, 18, 0, 30), d(2017, 3, 4), "no", 3, 1, False, True, False,
         "past", t(2017, 3, 4, 18, 30), d(2017, 3, 4), True, False, False,
         29, D("0.5"), D("0.0"), True, "Last Minute", 0),
        (sk("u9", "e1"), sk("u9"), "e1", v1, "e1", "u9", "g1", "Event e1",
         t(2017, 2, 1, 18, 30), d(2017, 2, 1), "yes", None, 1, True, False, False,
         "past", t(2017, 3, 4, 18, 30), d(2017, 3, 4), True, False, False,
         44640, D("744.0"), D("31.0"), False, "Early", 1),
        (sk("u1", "e2"), sk("u1"), "e2", v1, "e2", "u1", "g1", "Event e2",
         t(2017, 3, 6, 21, 30), d(2017, 3, 6), "waitlist", 0, 1, False, False, True,
         "cancelled", t(2017, 3, 4, 20), d(2017, 3, 4), False, False, True,
         -2970, D("-49.5"), D("-2.1"), False, "Last Minute", 0),
        (sk("u1", "e4"), sk("u1"), "e4", v1, "e4", "u1", "g1", "Event e4",
         t(2017, 4, 20, 12), d(2017, 4, 20), "yes", 1, 1, True, False, False,
         "suggested", None, None, False, False, False,
         None, None, None, False, None, 2),
        (sk("u2", "e5"), sk("u2"), "e5", v1, "e5", "u2", "g1", "Event e5",
         t(2017, 3, 31, 12), d(2017, 3, 31), "yes", 0, 1, True, False, False,
         "past", t(2017, 4, 1, 11), d(2017, 4, 1), True, False, False,
         1380, D("23.0"), D("1.0"), False, "Last Minute", 1),
    ]  # fmt: skip


def test_hours_from_rsvp_round_half_up_4323_minutes_is_72_1(
    rows: dict[str, list[tuple]],
) -> None:
    u1_e1 = rows["fact_rsvps"][0]

    assert u1_e1[22:25] == (4323, Decimal("72.1"), Decimal("3.0"))


def test_minutes_from_rsvp_truncate_toward_zero_also_after_the_start(
    rows: dict[str, list[tuple]],
) -> None:
    # 29 min 30 s before the start -> 29; 49 h 30 min after it -> -2970, -2.1 days.
    minutes = {(r[4], r[5]): r[22:25] for r in rows["fact_rsvps"]}

    assert minutes["e1", "u2"] == (29, Decimal("0.5"), Decimal("0.0"))
    assert minutes["e2", "u1"] == (-2970, Decimal("-49.5"), Decimal("-2.1"))


def test_hours_and_days_from_rsvp_are_one_decimal_decimals(
    marts: dict[str, DataFrame],
) -> None:
    types = dict(marts["fact_rsvps"].dtypes)

    assert types["minutes_from_rsvp_to_event"] == "bigint"
    assert types["hours_from_rsvp_to_event"] == "decimal(18,1)"
    assert types["days_from_rsvp_to_event"] == "decimal(18,1)"


def test_rsvp_timing_category_null_without_start_time(
    rows: dict[str, list[tuple]],
) -> None:
    u1_e4 = by_key(rows["fact_rsvps"])[sk("u1", "e4")]

    assert u1_e4[17:19] == (None, None)
    assert u1_e4[22:] == (None, None, None, False, None, 2)


def test_rsvp_timing_category_by_whole_days_before_start(
    spark: SparkSession, marts: dict[str, DataFrame]
) -> None:
    # e1 starts 2017-03-04 18:30; 1 day 23:59 before is still 1 whole day.
    answers = {
        "uA": datetime(2017, 3, 3, 18, 30),  # 1 day
        "uB": datetime(2017, 3, 2, 18, 31),  # 1 day 23:59
        "uC": datetime(2017, 3, 2, 18, 30),  # 2 days
        "uD": datetime(2017, 2, 24, 18, 31),  # 7 days 23:59
        "uE": datetime(2017, 2, 24, 18, 30),  # 8 days
        "uF": datetime(2017, 3, 6, 18, 30),  # 2 days after the start
    }
    rsvps = frame(
        spark,
        [rsvp_row(user, "e1", "yes", 0, when) for user, when in answers.items()],
        INT_RSVPS,
    )

    result = nodes.fact_rsvps(rsvps, marts["dim_events"], THRESHOLDS).select(
        "user_id", "rsvp_timing_category"
    )

    assert collected(result, "user_id") == [
        ("uA", "Last Minute"),
        ("uB", "Last Minute"),
        ("uC", "Within Week"),
        ("uD", "Within Week"),
        ("uE", "Early"),
        ("uF", "Last Minute"),
    ]


def test_total_attendance_counts_missing_guests_as_zero(
    rows: dict[str, list[tuple]],
) -> None:
    attendance = {(r[4], r[5]): (r[10], r[11], r[-1]) for r in rows["fact_rsvps"]}

    assert attendance["e1", "u9"] == ("yes", None, 1)
    assert attendance["e1", "u1"] == ("yes", 2, 3)
    assert attendance["e1", "u2"] == ("no", 3, 0)


def test_fact_rsvps_keeps_latest_version_only(
    spark: SparkSession, marts: dict[str, DataFrame]
) -> None:
    rsvps = frame(
        spark,
        [
            rsvp_row("u1", "e1", "no", 0, datetime(2017, 3, 1), version=2),
            rsvp_row("u1", "e1", "yes", 1, datetime(2017, 3, 2), version=1),
        ],
        INT_RSVPS,
    )

    result = nodes.fact_rsvps(rsvps, marts["dim_events"], THRESHOLDS)

    assert collected(result.select("rsvp_sk", "response", "rsvp_version_number")) == [
        (sk("u1", "e1"), "yes", 1)
    ]


# --- fact_event_attendance --------------------------------------------------------


def test_fact_event_attendance_has_one_row_per_event_with_zeros_without_rsvps(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["fact_event_attendance"].columns == [
        "event_sk", "attendance_date_id", "total_responses", "attending_count",
        "not_attending_count", "waitlist_count", "total_guests",
        "unique_respondents", "total_expected_attendance", "percent_capacity_filled",
    ]  # fmt: skip
    d = date
    assert rows["fact_event_attendance"] == [
        ("e1", d(2017, 3, 4), 3, 2, 1, 0, 2, 3, 4, 33.3),
        ("e2", d(2017, 3, 4), 1, 0, 0, 1, 0, 1, 0, None),
        ("e3", d(2017, 3, 10), 0, 0, 0, 0, 0, 0, 0, None),
        ("e4", None, 1, 1, 0, 0, 1, 1, 2, 40.0),
        ("e5", d(2017, 4, 1), 1, 1, 0, 0, 0, 1, 1, 6.3),
        ("e6", d(2017, 3, 4), 0, 0, 0, 0, 0, 0, 0, None),
    ]


def test_total_guests_counts_yes_answers_only(rows: dict[str, list[tuple]]) -> None:
    # e1: u1 yes +2, u9 yes with no guests count, u2 no +3 (not counted).
    e1 = by_key(rows["fact_event_attendance"])["e1"]

    assert (e1[6], e1[8]) == (2, 4)


def test_percent_capacity_filled_null_when_limit_zero(
    rows: dict[str, list[tuple]],
) -> None:
    e2 = by_key(rows["fact_event_attendance"])["e2"]

    assert e2[-1] is None


def test_percent_capacity_filled_rounds_half_up_6_25_to_6_3(
    rows: dict[str, list[tuple]],
) -> None:
    # e5: 1 expected of a limit of 16 = 6.25 % (half-even rounding would give 6.2).
    e5 = by_key(rows["fact_event_attendance"])["e5"]

    assert e5[-1] == 6.3


# --- fact_group_activity ----------------------------------------------------------


def test_fact_group_activity_has_one_row_per_group_and_join_day(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["fact_group_activity"].columns == [
        "group_sk", "activity_date", "group_id", "group_name", "new_members",
        "new_early_adopters", "is_first_member_date", "is_latest_member_date",
        "days_since_creation",
    ]  # fmt: skip
    d = date
    assert rows["fact_group_activity"] == [
        (sk("g1"), d(2017, 1, 10), "g1", "Spark Fans", 2, 2, True, False, 9),
        (sk("g1"), d(2017, 2, 15), "g1", "Spark Fans", 1, 0, False, True, 45),
        (sk("g9"), d(2017, 6, 30), "g9", None, 1, 0, True, False, None),
        (sk("g9"), d(2017, 7, 1), "g9", None, 1, 0, False, True, None),
    ]


# --- fact_group_memberships -------------------------------------------------------


def test_fact_group_memberships_ages_and_activity_are_relative_to_as_of_date(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["fact_group_memberships"].columns == [
        "membership_sk", "user_sk", "group_sk", "user_id", "group_id", "joined_at",
        "joined_date", "membership_version_number",
        "days_from_group_creation_to_join", "is_early_adopter", "group_name",
        "group_city", "group_created_at", "user_city", "user_country",
        "user_hometown", "membership_age_days", "membership_age_months", "is_active",
    ]  # fmt: skip
    t, d = datetime, date
    assert rows["fact_group_memberships"] == [
        (sk("u1", "g1"), sk("u1"), sk("g1"), "u1", "g1", t(2017, 1, 10, 10),
         d(2017, 1, 10), 1, 9, True, "Spark Fans", "Berlin", t(2017, 1, 1),
         "Berlin", "de", "Hamburg", 170, 5, True),
        (sk("u1", "g9"), sk("u1"), sk("g9"), "u1", "g9", t(2017, 6, 30, 23, 59, 59),
         d(2017, 6, 30), 1, None, False, None, None, None,
         "Berlin", "de", "Hamburg", 0, 0, True),
        (sk("u2", "g1"), sk("u2"), sk("g1"), "u2", "g1", t(2017, 1, 10, 23),
         d(2017, 1, 10), 1, 9, True, "Spark Fans", "Berlin", t(2017, 1, 1),
         "Paris", "fr", "Lyon", 170, 5, True),
        (sk("u2", "g9"), sk("u2"), sk("g9"), "u2", "g9", t(2017, 7, 1),
         d(2017, 7, 1), 1, None, False, None, None, None,
         "Paris", "fr", "Lyon", -1, 0, False),
        (sk("u4", "g1"), sk("u4"), sk("g1"), "u4", "g1", t(2017, 2, 15, 8),
         d(2017, 2, 15), 1, 45, False, "Spark Fans", "Berlin", t(2017, 1, 1),
         "Berlin", "de", "Berlin", 134, 4, True),
    ]  # fmt: skip


def test_is_active_false_for_an_older_membership_version(
    spark: SparkSession,
) -> None:
    memberships = frame(
        spark,
        [membership_row("u1", "g1", datetime(2017, 1, 10), 9, True, version=2)],
        INT_MEMBERSHIPS,
    )

    result = nodes.fact_group_memberships(memberships, AS_OF_DATE)

    assert collected(result.select("membership_version_number", "is_active")) == [
        (2, False)
    ]


# --- fact_venue_activity ----------------------------------------------------------


def test_fact_venue_activity_has_one_row_per_venue_and_event_day(
    marts: dict[str, DataFrame], rows: dict[str, list[tuple]]
) -> None:
    assert marts["fact_venue_activity"].columns == [
        "venue_sk", "activity_date", "venue_id", "venue_name", "daily_events",
        "daily_groups", "cancelled_events", "is_first_event_date",
        "is_last_event_date", "days_since_first_event", "venue_active_days",
    ]  # fmt: skip
    d = date
    assert rows["fact_venue_activity"] == [
        (sk("v1"), d(2017, 3, 4), "v1", "Hall", 2, 1, 1, True, False, 0, 2),
        (sk("v1"), d(2017, 4, 1), "v1", "Hall", 1, 1, 0, False, True, 28, 2),
        (sk("v9"), d(2017, 3, 10), "v9", None, 1, 1, 0, True, True, 0, 1),
    ]


def test_events_without_venue_or_start_time_have_no_venue_day(
    rows: dict[str, list[tuple]],
) -> None:
    # e6 (no venue, 2017-03-04) and e4 (v1, no start) add no day and no count.
    v1_days = [r for r in rows["fact_venue_activity"] if r[2] == "v1"]

    assert sum(r[4] for r in v1_days) == 3
    assert all(r[0] is not None for r in rows["fact_venue_activity"])


# --- relationships and wiring -----------------------------------------------------


def test_every_sk_foreign_key_exists_in_its_dimension(
    rows: dict[str, list[tuple]],
) -> None:
    events = {r[0] for r in rows["dim_events"]}
    groups = {r[0] for r in rows["dim_groups"]}
    users = {r[0] for r in rows["dim_users"]}
    venues = {r[0] for r in rows["dim_venues"]}

    assert {r[3] for r in rows["dim_events"]} - {None} <= {
        r[1] for r in rows["dim_venues"]
    }
    assert {r[2] for r in rows["dim_events"]} <= {r[1] for r in rows["dim_groups"]}
    assert {r[4] for r in rows["dim_events"]} - {None} <= venues
    assert {r[1] for r in rows["fact_rsvps"]} <= users
    assert {r[2] for r in rows["fact_rsvps"]} <= events
    assert {r[3] for r in rows["fact_rsvps"]} - {None} <= venues
    assert {r[0] for r in rows["fact_event_attendance"]} == events
    assert {r[0] for r in rows["fact_group_activity"]} <= groups
    assert {r[1] for r in rows["fact_group_memberships"]} <= users
    assert {r[2] for r in rows["fact_group_memberships"]} <= groups
    assert {r[0] for r in rows["fact_venue_activity"]} <= venues


def test_marts_pipeline_names_each_node_after_its_table() -> None:
    pipeline = create_pipeline()

    assert sorted(node.name for node in pipeline.nodes) == sorted(ORDER)
    for node in pipeline.nodes:
        assert node.outputs == [f"marts.{node.name}"]
        assert node.tags == {"marts"}
    assert pipeline.inputs() == {
        "staging.stg_events",
        "staging.stg_groups",
        "staging.stg_users",
        "staging.stg_venues",
        "intermediate.int_events_with_venues",
        "intermediate.int_event_rsvps",
        "intermediate.int_user_memberships_with_groups",
        "params:as_of_date",
        "params:thresholds",
        "audit.run_batch",
    }


def test_sk_helper_matches_design_worked_examples() -> None:
    assert sk("42") == "a1d0c6e83f027327d8461063f4ac58a6"
    assert sk(None) == "f14cc5cdce0420f4a5a6b6d9d7b85f39"
