"""Intermediate nodes on staging tables made by the raw and staging nodes.

Inputs start as hand-written JSON records, so every upstream rule is exercised the
way the pipeline runs it. Expected rows are written out in full; keys are recomputed
here with ``hashlib`` from DESIGN §4/§6.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.pipelines.intermediate.nodes import (
    int_event_rsvps,
    int_events_with_venues,
    int_user_memberships_with_groups,
)
from motors_meetup.pipelines.raw.nodes import (
    raw_events,
    raw_groups,
    raw_users,
    raw_venues,
)
from motors_meetup.pipelines.staging.nodes import (
    stg_event_rsvps,
    stg_events,
    stg_groups,
    stg_memberships,
    stg_users,
    stg_venues,
)

RAW: dict[str, Any] = {"on_bad_record": "quarantine", "min_epoch_ms": 100000000000}
THRESHOLDS: dict[str, Any] = {"early_adopter_days": 30}
RECORDS = (
    "source_file string, delivery_id string, file_modified_at timestamp, record string"
)
DAY_MS = 86_400_000
DESCRIPTION = "<p>Hi &amp; welcome</p>"
# 2017-03-04 18:30:00 UTC; event number n starts n days later.
START_MS = 1488652200000
CREATED_MS = 1488000000000  # 2017-02-25 05:20:00
GROUP_CREATED_MS = 1483228800000  # 2017-01-01 00:00:00


def sk(*values: str | None) -> str:
    parts = ["_dbt_utils_surrogate_key_null_" if v is None else v for v in values]
    return hashlib.md5("-".join(parts).encode("utf-8")).hexdigest()


def event_id(n: int) -> str:
    start = f"2017-03-{4 + n:02d} 18:30:00"
    return sk("123", "Spark Meetup", start, DESCRIPTION, "1")


def source(spark: SparkSession, *records: dict[str, Any]) -> DataFrame:
    delivery = hashlib.md5(b"in.json").hexdigest()
    rows = [("in.json", delivery, datetime(2017, 6, 1), json.dumps(r)) for r in records]
    return spark.createDataFrame(rows, RECORDS)


def rows_of(frame: DataFrame) -> list[dict[str, Any]]:
    return canon(row.asDict(recursive=True) for row in frame.collect())


def canon(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: repr(sorted(row.items())))


def assert_table(frame: DataFrame, expected: Iterable[dict[str, Any]]) -> None:
    """Columns in the order of the expected rows' keys; the same rows, in any order."""
    expected = list(expected)
    assert frame.columns == list(expected[0])
    assert rows_of(frame) == canon(expected)


def event(n: int, **fields: Any) -> dict[str, Any]:
    """Event number ``n`` of group 123, starting n days after the worked example."""
    record = {
        "group_id": 123,
        "name": "Spark Meetup",
        "description": DESCRIPTION,
        "created": CREATED_MS,
        "time": START_MS + n * DAY_MS,
        "duration": 7200000,
        "rsvp_limit": 50,
        "status": "upcoming",
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not ...}


def staged_events(spark: SparkSession, *records: dict[str, Any]) -> DataFrame:
    return stg_events(raw_events(source(spark, *records), RAW)[0])


def staged_users(spark: SparkSession, *records: dict[str, Any]) -> DataFrame:
    return raw_users(source(spark, *records), RAW)[0]


# ------------------------------------------------------------------ events + venues


def test_events_get_venue_attributes_and_venue_sk_whenever_they_name_a_venue(
    spark: SparkSession,
) -> None:
    events = staged_events(
        spark,
        event(0, venue_id=7, status="past"),
        event(1, venue_id=99, status="cancelled"),
        event(2, status=...),
        event(3, venue_id="7", status="Proposed"),
        event(4, status="suggested"),
        event(5, status="upcoming"),
    )
    venues = stg_venues(
        raw_venues(
            source(
                spark,
                {"venue_id": 7, "name": "Garage", "city": "Detroit", "country": "us",
                 "lat": 42.3, "lon": -83.0},
                {"venue_id": 8, "name": "Unused"},
            ),
            RAW,
        )[0]
    )  # fmt: skip

    garage = {
        "venue_name": "Garage",
        "venue_city": "Detroit",
        "venue_country": "us",
        "venue_lat": 42.3,
        "venue_lon": -83.0,
    }
    no_venue = dict.fromkeys(garage)
    no_flags = dict.fromkeys(
        ["is_suggested", "is_proposed", "is_cancelled", "is_past", "is_upcoming"],
        False,
    )

    def expected(n: int, status: str | None, flag: str | None, venue_id: str | None):
        attributes = garage if venue_id == "7" else no_venue
        return {
            "event_sk": event_id(n),
            "venue_sk": None if venue_id is None else sk(venue_id),
            "event_id": event_id(n),
            "group_id": "123",
            "event_name": "Spark Meetup",
            "event_description": "Hi & welcome",
            "event_created_at": datetime(2017, 2, 25, 5, 20),
            "event_start_time": datetime(2017, 3, 4 + n, 18, 30),
            "event_duration_seconds": 7200,
            "rsvp_limit": 50,
            "event_status": status,
            "event_version_number": 1,
            **no_flags,
            **({flag: True} if flag else {}),
            "venue_id": venue_id,
            **attributes,
        }

    assert_table(
        int_events_with_venues(events, venues),
        [
            expected(0, "past", "is_past", "7"),
            # An unknown venue keeps its id and key; its attributes are unknown.
            expected(1, "cancelled", "is_cancelled", "99"),
            # A missing status sets no flag: flags are false, never null.
            expected(2, None, None, None),
            expected(3, "proposed", "is_proposed", "7"),
            expected(4, "suggested", "is_suggested", None),
            expected(5, "upcoming", "is_upcoming", None),
        ],
    )
    assert sk("7") == "8f14e45fceea167a5a36dedd4bea2543"


# ------------------------------------------------------------------ rsvps


def test_rsvps_of_existing_events_get_keys_user_and_event_attributes(
    spark: SparkSession,
) -> None:
    rsvps = [
        {"user_id": 42, "response": "yes", "when": 1488500000999, "guests": 2},
        {"user_id": 43, "response": "waitlist", "when": 1488510000000},
        # User 77 has no record: the answer is kept, its attributes are null.
        {"user_id": 77, "response": "no", "when": 1488520000000, "guests": 0},
    ]
    events = staged_events(
        spark,
        event(0, venue_id=7, rsvps=rsvps),
        event(1, rsvps=[{"user_id": 42, "response": "yes", "when": 1488500000000}]),
    )
    users = stg_users(
        staged_users(
            spark,
            {"user_id": 42, "city": "Detroit", "country": "us"},
            {"user_id": 43, "city": "Flint", "country": "us"},
        )
    )
    answers = stg_event_rsvps(events)
    # Event 1 is not among the events: its answer has no event and is left out.
    existing = events.where(F.col("event_id") == event_id(0))

    def expected(
        user_id: str,
        city: str | None,
        at: datetime,
        response: str,
        guests: int | None,
        flag: str,
    ) -> dict[str, Any]:
        flags = dict.fromkeys(["is_attending", "is_not_attending", "is_waitlisted"])
        return {
            "rsvp_sk": sk(user_id, event_id(0)),
            "user_sk": sk(user_id),
            "event_sk": event_id(0),
            "event_id": event_id(0),
            "event_id_clean": event_id(0),
            "group_id": "123",
            "event_name": "Spark Meetup",
            "event_status": "upcoming",
            "event_start_time": datetime(2017, 3, 4, 18, 30),
            "venue_id": "7",
            "user_id": user_id,
            "user_city": city,
            "user_country": None if city is None else "us",
            "rsvp_last_modified_at": at,
            "response": response,
            "guests": guests,
            "rsvp_version_number": 1,
            **{name: name == flag for name in flags},
        }

    in_day = datetime(2017, 3, 3)
    assert_table(
        int_event_rsvps(answers, existing, users),
        [
            expected("42", "Detroit", in_day.replace(minute=13, second=20), "yes", 2,
                     "is_attending"),
            expected("43", "Flint", in_day.replace(hour=3), "waitlist", None,
                     "is_waitlisted"),
            expected("77", None, in_day.replace(hour=5, minute=46, second=40), "no", 0,
                     "is_not_attending"),
        ],
    )  # fmt: skip


# ------------------------------------------------------------------ memberships


def test_early_adopters_joined_0_to_30_whole_days_after_group_creation(
    spark: SparkSession,
) -> None:
    joins = {
        "1": ("10", GROUP_CREATED_MS),  # the moment of creation: day 0
        "2": ("10", GROUP_CREATED_MS + 31 * DAY_MS - 1000),  # 30 days 23:59:59
        "3": ("10", GROUP_CREATED_MS + 31 * DAY_MS),  # day 31
        "4": ("10", GROUP_CREATED_MS - DAY_MS),  # a day before creation
        "5": ("99", GROUP_CREATED_MS),  # a group nobody delivered
        "6": ("10", None),  # join time unknown
    }
    raw_users_table = staged_users(
        spark,
        {"user_id": 1, "city": "Detroit", "country": "us", "hometown": "Flint",
         "memberships": [{"group_id": 10, "joined": GROUP_CREATED_MS}]},
        *[
            {"user_id": user, "memberships": [{"group_id": group, "joined": joined}]}
            for user, (group, joined) in joins.items()
            if user != "1"
        ],
    )  # fmt: skip
    groups = stg_groups(
        raw_groups(
            source(
                spark,
                {"group_id": 10, "name": "Motors", "city": "Detroit",
                 "created": GROUP_CREATED_MS + 999},
            ),
            RAW,
        )[0]
    )  # fmt: skip

    result = int_user_memberships_with_groups(
        stg_memberships(raw_users_table), stg_users(raw_users_table), groups, THRESHOLDS
    )

    motors = {
        "group_name": "Motors",
        "group_city": "Detroit",
        "group_created_at": datetime(2017, 1, 1),
    }

    def expected(user_id: str, joined_at: datetime | None, days: int | None, early):
        group_id = joins[user_id][0]
        known_user = user_id == "1"
        return {
            "membership_sk": sk(user_id, group_id),
            "user_sk": sk(user_id),
            "group_sk": sk(group_id),
            "user_id": user_id,
            "user_city": "Detroit" if known_user else None,
            "user_country": "us" if known_user else None,
            "user_hometown": "Flint" if known_user else None,
            "group_id": group_id,
            **(motors if group_id == "10" else dict.fromkeys(motors)),
            "joined_at": joined_at,
            "membership_version_number": 1,
            "days_from_group_creation_to_join": days,
            "is_early_adopter": early,
        }

    assert_table(
        result,
        [
            expected("1", datetime(2017, 1, 1), 0, True),
            expected("2", datetime(2017, 1, 31, 23, 59, 59), 30, True),
            expected("3", datetime(2017, 2, 1), 31, False),
            # A join before the group's creation is a data error, never early.
            expected("4", datetime(2016, 12, 31), -1, False),
            # An unknown group keeps the membership's group_id; early is unknown.
            expected("5", datetime(2017, 1, 1), None, False),
            expected("6", None, None, False),
        ],
    )
