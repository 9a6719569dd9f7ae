"""Staging nodes on raw tables made by the raw nodes from hand-written records.

Expected rows are written out in full. Keys are recomputed here with ``hashlib`` from
the formula in DESIGN §4/§6, so a test fails if a key's inputs or their order change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from motors_meetup.pipelines.raw.nodes import (
    raw_events,
    raw_groups,
    raw_users,
    raw_venues,
)
from motors_meetup.pipelines.staging.nodes import (
    stg_event_rsvps,
    stg_events,
    stg_group_topics,
    stg_groups,
    stg_memberships,
    stg_users,
    stg_venues,
)

RAW: dict[str, Any] = {"on_bad_record": "quarantine", "min_epoch_ms": 100000000000}
RECORDS = (
    "source_file string, delivery_id string, file_modified_at timestamp, record string"
)
DAY1 = datetime(2017, 6, 1)
DAY2 = datetime(2017, 6, 2)
DESCRIPTION = "<p>Hi &amp; welcome</p>"
# 2017-03-04 18:30:00 UTC, the start time of DESIGN §4's worked example.
START_MS = 1488652200000
EVENT_ID = "380d4485b8c3b9e870149d1bbf154e64"


def sk(*values: str | None) -> str:
    """DESIGN §4's surrogate key, computed independently of the code under test."""
    parts = ["_dbt_utils_surrogate_key_null_" if v is None else v for v in values]
    return hashlib.md5("-".join(parts).encode("utf-8")).hexdigest()


def raw_input(spark: SparkSession, *records: tuple[str, datetime, dict]) -> DataFrame:
    """A source as loaded from disk: (file, its mtime, record) -> JSON text rows."""
    rows = [
        (file, hashlib.md5(file.encode()).hexdigest(), when, json.dumps(record))
        for file, when, record in records
    ]
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


def event(created: int, **fields: Any) -> dict[str, Any]:
    """The worked-example event (group 123), created at ``created`` ms."""
    record = {
        "group_id": 123,
        "name": "Spark Meetup",
        "description": DESCRIPTION,
        "created": created,
        "time": START_MS,
        "duration": 7200000,
        "rsvp_limit": 50,
        "venue_id": 7,
        "status": "upcoming",
        "rsvps": [],
    }
    record.update(fields)
    return {key: value for key, value in record.items() if value is not ...}


def rsvp(user_id: int, response: str, when: int, guests: int | None = None) -> dict:
    return {"user_id": user_id, "response": response, "when": when, "guests": guests}


def staged_rsvp(user_id: str, response: str, when: int, guests: int | None = None):
    return {"user_id": user_id, "response": response, "when": when, "guests": guests}


# ------------------------------------------------------------------ stg_events


def test_event_id_matches_dbt_worked_example_and_description_is_cleaned(
    spark: SparkSession,
) -> None:
    raw, _ = raw_events(
        raw_input(
            spark,
            (
                "e.json",
                DAY1,
                event(
                    1488000000000,
                    status="past",
                    rsvps=[rsvp(42, "yes", 1488600000000, 1)],
                ),
            ),
        ),
        RAW,
    )

    assert_table(
        stg_events(raw),
        [
            {
                "group_id": "123",
                "event_name": "Spark Meetup",
                "event_description_clean": "Hi & welcome",
                "event_created_at": datetime(2017, 2, 25, 5, 20),
                "event_start_time": datetime(2017, 3, 4, 18, 30),
                "event_duration_seconds": 7200,
                "rsvp_limit": 50,
                "venue_id": "7",
                "event_status": "past",
                "event_id": EVENT_ID,
                # md5 hex has only word characters, so the clean id is the id itself.
                "event_id_clean": EVENT_ID,
                "event_partition_date": date(2017, 3, 4),
                "rsvps": [staged_rsvp("42", "yes", 1488600000000, 1)],
            }
        ],
    )
    assert EVENT_ID == sk(
        "123", "Spark Meetup", "2017-03-04 18:30:00", DESCRIPTION, "1"
    )


def test_event_versions_merge_into_one_event_with_combined_rsvps(
    spark: SparkSession,
) -> None:
    oldest = event(
        1488000000000,
        rsvps=[rsvp(42, "yes", 1488500000000, 0), rsvp(43, "no", 1488500000000)],
    )
    middle = event(
        1488100000000,
        venue_id=8,
        rsvps=[rsvp(42, "yes", 1488500000000, 0), rsvp(44, "waitlist", 1488510000000)],
    )
    # The latest version by `created` arrived in the OLDER delivery: `created` decides.
    latest = event(
        1488200000000,
        status="cancelled",
        venue_id=None,
        rsvp_limit=40,
        duration=3600000,
        rsvps=[rsvp(42, "no", 1488520000000), rsvp(43, "no", 1488500000000)],
    )
    other_start = event(1488000000000, time=START_MS + 86400000)
    raw, _ = raw_events(
        raw_input(
            spark,
            ("e1.json", DAY1, latest),
            ("e1.json", DAY1, oldest),
            ("e2.json", DAY2, middle),
            ("e2.json", DAY2, other_start),
        ),
        RAW,
    )

    common = {
        "group_id": "123",
        "event_name": "Spark Meetup",
        "event_description_clean": "Hi & welcome",
        "event_duration_seconds": 7200,
        "rsvp_limit": 50,
        "venue_id": "7",
        "event_status": "upcoming",
    }
    other_id = sk("123", "Spark Meetup", "2017-03-05 18:30:00", DESCRIPTION, "1")
    assert rows_of(stg_events(raw)) == canon(
        [
            {
                **common,
                "event_created_at": datetime(2017, 2, 27, 12, 53, 20),
                "event_start_time": datetime(2017, 3, 4, 18, 30),
                "event_duration_seconds": 3600,
                "rsvp_limit": 40,
                "venue_id": None,
                "event_status": "cancelled",
                # dbt's id of the first copy (row number 1): DESIGN §7.1.
                "event_id": EVENT_ID,
                "event_id_clean": EVENT_ID,
                "event_partition_date": date(2017, 3, 4),
                # Oldest version first; an element equal to an earlier one not repeated.
                "rsvps": [
                    staged_rsvp("42", "yes", 1488500000000, 0),
                    staged_rsvp("43", "no", 1488500000000),
                    staged_rsvp("44", "waitlist", 1488510000000),
                    staged_rsvp("42", "no", 1488520000000),
                ],
            },
            {
                **common,
                "event_created_at": datetime(2017, 2, 25, 5, 20),
                "event_start_time": datetime(2017, 3, 5, 18, 30),
                "event_id": other_id,
                "event_id_clean": other_id,
                "event_partition_date": date(2017, 3, 5),
                "rsvps": [],
            },
        ]
    )


def test_missing_start_time_name_and_description_use_placeholders_in_the_key(
    spark: SparkSession,
) -> None:
    bare = {"name": ..., "description": ..., "time": ...}
    raw, _ = raw_events(
        raw_input(
            spark,
            ("e.json", DAY1, event(1488000000000, status="past", rsvps=..., **bare)),
            (
                "e.json",
                DAY1,
                event(1488000001000, rsvps=[rsvp(42, "yes", 1488500000000)], **bare),
            ),
        ),
        RAW,
    )

    # A missing start time counts as the value 'etime_null': both records are one
    # event, the later `created` giving the attributes.
    event_id = sk("123", "ename_null", "etime_null", "edesc_null", "1")
    assert_table(
        stg_events(raw),
        [
            {
                "group_id": "123",
                "event_name": None,
                "event_description_clean": None,
                "event_created_at": datetime(2017, 2, 25, 5, 20, 1),
                "event_start_time": None,
                "event_duration_seconds": 7200,
                "rsvp_limit": 50,
                "venue_id": "7",
                "event_status": "upcoming",
                "event_id": event_id,
                "event_id_clean": event_id,
                "event_partition_date": None,
                "rsvps": [staged_rsvp("42", "yes", 1488500000000)],
            }
        ],
    )


# ------------------------------------------------------------------ stg_event_rsvps


def test_user_answering_twice_keeps_latest_answer(spark: SparkSession) -> None:
    first = event(
        1488000000000,
        rsvps=[
            rsvp(42, "yes", 1488500000999, 1),
            # Same `when`: more guests wins, then the response in alphabetical order.
            rsvp(45, "yes", 1488500000000, None),
            rsvp(45, "yes", 1488500000000, 2),
            rsvp(46, "yes", 1488500000000),
            rsvp(46, "no", 1488500000000),
        ],
    )
    second = event(1488100000000, rsvps=[rsvp(42, "no", 1488510000500, 0)])
    without_rsvps = event(1488000000000, time=START_MS + 86400000)
    raw, _ = raw_events(
        raw_input(
            spark,
            ("e.json", DAY1, second),
            ("e.json", DAY1, first),
            ("e.json", DAY1, without_rsvps),
        ),
        RAW,
    )

    def answer(user_id: str, response: str, at: datetime, guests: int | None):
        return {
            "event_id": EVENT_ID,
            "event_id_clean": EVENT_ID,
            "user_id": user_id,
            "rsvp_response": response,
            "rsvp_last_modified_at": at,
            "rsvp_guests": guests,
            "user_event_key": sk(EVENT_ID, user_id),
            "event_created_at": datetime(2017, 2, 26, 9, 6, 40),
        }

    assert_table(
        stg_event_rsvps(stg_events(raw)),
        [
            answer("42", "no", datetime(2017, 3, 3, 3, 0, 0), 0),
            answer("45", "yes", datetime(2017, 3, 3, 0, 13, 20), 2),
            answer("46", "no", datetime(2017, 3, 3, 0, 13, 20), None),
        ],
    )


# ------------------------------------------------------------------ groups


GROUP = {
    "group_id": 10,
    "name": "Motors",
    "city": "Detroit",
    "lat": 42.33,
    "lon": -83.05,
    "created": 1483228800000,
    "description": "Cars",
    "link": "https://meetup.com/g",
}


def test_stg_groups_has_one_row_per_group_without_topics(spark: SparkSession) -> None:
    raw, _ = raw_groups(
        raw_input(spark, ("g.json", DAY1, {**GROUP, "topics": ["cars"]})), RAW
    )

    assert_table(
        stg_groups(raw),
        [
            {
                "group_id": "10",
                "group_name": "Motors",
                "city": "Detroit",
                "lat": 42.33,
                "lon": -83.05,
                "created_at": datetime(2017, 1, 1),
                "group_description": "Cars",
                "group_link": "https://meetup.com/g",
            }
        ],
    )


def test_stg_group_topics_drops_repeated_and_null_topics(spark: SparkSession) -> None:
    raw, _ = raw_groups(
        raw_input(
            spark,
            ("g.json", DAY1, {**GROUP, "topics": ["cars", None, "cars", "delta"]}),
            ("g.json", DAY1, {**GROUP, "group_id": 11, "topics": []}),
            ("g.json", DAY1, {**GROUP, "group_id": 12, "topics": None}),
            ("g.json", DAY1, {**GROUP, "group_id": 13, "topics": ["cars"]}),
        ),
        RAW,
    )

    assert_table(
        stg_group_topics(raw),
        [
            {"group_id": "10", "topic": "cars", "topic_key": sk("10", "cars")},
            {"group_id": "10", "topic": "delta", "topic_key": sk("10", "delta")},
            {"group_id": "13", "topic": "cars", "topic_key": sk("13", "cars")},
        ],
    )


# ------------------------------------------------------------------ users


USERS = [
    (
        "u.json",
        DAY1,
        {
            "user_id": 42,
            "city": "Detroit",
            "country": "us",
            "hometown": "Flint",
            "memberships": [
                {"group_id": 10, "joined": 1483315200000},
                {"group_id": "10", "joined": 1483401600999},
                {"group_id": 11, "joined": None},
                {"group_id": 11, "joined": 1483315200000},
            ],
        },
    ),
    ("u.json", DAY1, {"user_id": "43", "memberships": [{"group_id": 10}]}),
    ("u.json", DAY1, {"user_id": 44, "memberships": []}),
]


def test_stg_users_has_one_row_per_user(spark: SparkSession) -> None:
    raw, _ = raw_users(raw_input(spark, *USERS), RAW)

    assert_table(
        stg_users(raw),
        [
            {
                "user_id": "42",
                "city": "Detroit",
                "country": "us",
                "hometown": "Flint",
            },
            {"user_id": "43", "city": None, "country": None, "hometown": None},
            {"user_id": "44", "city": None, "country": None, "hometown": None},
        ],
    )


def test_membership_listed_twice_keeps_latest_joined(spark: SparkSession) -> None:
    raw, _ = raw_users(raw_input(spark, *USERS), RAW)

    assert_table(
        stg_memberships(raw),
        [
            {
                "user_id": "42",
                "group_id": "10",
                "joined_at": datetime(2017, 1, 3),
                "membership_key": sk("42", "10"),
            },
            # A known `joined` beats a missing one.
            {
                "user_id": "42",
                "group_id": "11",
                "joined_at": datetime(2017, 1, 2),
                "membership_key": sk("42", "11"),
            },
            {
                "user_id": "43",
                "group_id": "10",
                "joined_at": None,
                "membership_key": sk("43", "10"),
            },
        ],
    )


# ------------------------------------------------------------------ venues


def test_stg_venues_has_one_row_per_venue(spark: SparkSession) -> None:
    venue = {
        "venue_id": 7,
        "name": "Garage",
        "city": "Detroit",
        "country": "us",
        "lat": 42.3,
        "lon": -83.0,
    }
    raw, _ = raw_venues(raw_input(spark, ("v.json", DAY1, venue)), RAW)

    assert_table(
        stg_venues(raw),
        [
            {
                "venue_id": "7",
                "venue_name": "Garage",
                "city": "Detroit",
                "country": "us",
                "lat": 42.3,
                "lon": -83.0,
            }
        ],
    )
