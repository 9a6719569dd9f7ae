"""Raw nodes: typing, renaming and quarantine of hand-written JSON records.

Inputs have the shape ``JsonSourceDataset`` loads: ``source_file``,
``file_modified_at`` and the record's text. Every expected row is written out in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.pipelines.raw.nodes import (
    BadInputError,
    raw_events,
    raw_groups,
    raw_load_report,
    raw_users,
    raw_venues,
)

RAW: dict[str, Any] = {"on_bad_record": "quarantine", "min_epoch_ms": 100000000000}
RECORDS = "source_file string, file_modified_at timestamp, record string"
DAY1 = datetime(2017, 6, 1)
DAY2 = datetime(2017, 6, 2)
BOOKKEEPING = ("_record_key", "_delivery", "_delivery_id", "delivery_id")


def records(spark: SparkSession, *rows: tuple[str, datetime, str]) -> DataFrame:
    """A source as ``JsonSourceDataset`` loads it: (file, its mtime, record text),
    each file its own delivery (``delivery_id`` = md5 of the file name here)."""
    frame = spark.createDataFrame(list(rows), RECORDS)
    return frame.select(
        "source_file",
        F.md5("source_file").alias("delivery_id"),
        "file_modified_at",
        "record",
    )


def rows_of(frame: DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts (nested rows too), sorted for comparison.

    The incremental bookkeeping columns (``_record_key``, ``_delivery``,
    ``_delivery_id``) are left out: they belong to the batch machinery, not to the
    typing rules tested here.
    """
    frame = frame.drop(*BOOKKEEPING)
    return canon(row.asDict(recursive=True) for row in frame.collect())


def canon(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in a canonical order, so expected rows can be written in any order."""
    return sorted(rows, key=lambda row: repr(sorted(row.items())))


def assert_table(frame: DataFrame, expected: Iterable[dict[str, Any]]) -> None:
    """Columns in the order of the expected rows' keys; the same rows, in any order."""
    expected = list(expected)
    assert frame.drop(*BOOKKEEPING).columns == list(expected[0])
    assert rows_of(frame) == canon(expected)


def rejected_row(file: str, modified: datetime, record: str, reason: str, source: str):
    return {
        "source": source,
        "source_file": file,
        "file_modified_at": modified,
        "record": record,
        "reason": reason,
    }


# ------------------------------------------------------------------ events

EVENT = (
    '{"group_id": 123, "name": "Spark Meetup", '
    '"description": "<p>Hi &amp; welcome</p>", "created": 1488000000999, '
    '"time": 1488652200999, "duration": 7200999, "rsvp_limit": 50, '
    '"venue_id": 7, "status": "PAST", "rsvps": ['
    '{"user_id": 42, "response": "YES", "when": 1488600000123, "guests": 1}, '
    '{"user_id": "43", "response": "waitlist", "when": 1488600001000}]}'
)


def test_event_record_is_typed_renamed_and_keeps_its_rsvps(
    spark: SparkSession,
) -> None:
    accepted, rejected = raw_events(records(spark, ("e.json", DAY1, EVENT)), RAW)

    assert_table(
        accepted,
        [
            {
                "group_id": "123",
                "event_name": "Spark Meetup",
                "event_description": "<p>Hi &amp; welcome</p>",
                "event_created_at": datetime(2017, 2, 25, 5, 20, 0),
                "event_start_time": datetime(2017, 3, 4, 18, 30, 0),
                "event_duration_seconds": 7200,
                "rsvp_limit": 50,
                "venue_id": "7",
                "event_status": "past",
                "rsvps": [
                    {
                        "user_id": "42",
                        "response": "yes",
                        "when": 1488600000123,
                        "guests": 1,
                    },
                    {
                        "user_id": "43",
                        "response": "waitlist",
                        "when": 1488600001000,
                        "guests": None,
                    },
                ],
                "_source_file": "e.json",
                "_file_modified_at": DAY1,
            }
        ],
    )
    assert rejected.drop(*BOOKKEEPING).columns == [
        "source",
        "source_file",
        "file_modified_at",
        "record",
        "reason",
    ]
    assert rejected.isEmpty()


def test_missing_or_null_rsvps_become_an_empty_array_and_optional_fields_null(
    spark: SparkSession,
) -> None:
    source = records(
        spark,
        ("e.json", DAY1, '{"group_id": "1", "created": 1488000000000}'),
        ("e.json", DAY1, '{"group_id": "2", "created": 1488000000000, "rsvps": null}'),
        ("e.json", DAY1, '{"group_id": "3", "created": 1488000000000, "rsvps": []}'),
    )
    accepted, _ = raw_events(source, RAW)

    empty_event = {
        "event_name": None,
        "event_description": None,
        "event_created_at": datetime(2017, 2, 25, 5, 20, 0),
        "event_start_time": None,
        "event_duration_seconds": None,
        "rsvp_limit": None,
        "venue_id": None,
        "event_status": None,
        "rsvps": [],
        "_source_file": "e.json",
        "_file_modified_at": DAY1,
    }
    assert_table(accepted.drop("group_id"), [empty_event] * 3)


def test_bad_event_records_are_rejected_with_their_first_reason(
    spark: SparkSession,
) -> None:
    created = '"created": 1488000000000'
    rsvp = '"when": 1488600000000'
    bad = {
        "malformed_json": '{"group_id": 1, "created": ',
        "not an object": "[1, 2]",
        "type_mismatch": '{"group_id": 1, "created": "yesterday"}',
        # Ids arrive as numbers or strings; anything else cannot be typed.
        "id_as_object": '{"group_id": {"id": 1}, ' + created + "}",
        "id_as_boolean": '{"group_id": true, ' + created + "}",
        "null_group_id": '{"group_id": null, "created": null}',
        "blank_group_id": '{"group_id": " ", ' + created + "}",
        "null_created": '{"group_id": 1}',
        "epoch_in_seconds": '{"group_id": 1, "created": 1488000000}',
        "start_in_seconds": '{"group_id": 1, ' + created + ', "time": 1488652200}',
        "rsvp_in_seconds": '{"group_id": 1, '
        + created
        + ', "rsvps": [{"user_id": 1, "response": "yes", "when": 1488600000}]}',
        "negative_duration": '{"group_id": 1, ' + created + ', "duration": -1}',
        "negative_rsvp_limit": '{"group_id": 1, ' + created + ', "rsvp_limit": -1}',
        "unknown_status": '{"group_id": 1, ' + created + ', "status": "postponed"}',
        "null_rsvp_user_id": '{"group_id": 1, '
        + created
        + ', "rsvps": [{"response": "yes", '
        + rsvp
        + "}]}",
        "unknown_response": '{"group_id": 1, '
        + created
        + ', "rsvps": [{"user_id": 1, "response": "maybe", '
        + rsvp
        + "}]}",
        "null_response": '{"group_id": 1, '
        + created
        + ', "rsvps": [{"user_id": 1, '
        + rsvp
        + "}]}",
        "negative_guests": '{"group_id": 1, '
        + created
        + ', "rsvps": [{"user_id": 1, "response": "no", '
        + rsvp
        + ', "guests": -1}]}',
    }
    good = '{"group_id": 1, ' + created + "}"
    source = records(
        spark,
        *[("bad.json", DAY1, text) for text in bad.values()],
        ("good.json", DAY2, good),
    )
    accepted, rejected = raw_events(source, RAW)

    reasons = {
        "not an object": "type_mismatch",
        "id_as_object": "type_mismatch",
        "id_as_boolean": "type_mismatch",
        "blank_group_id": "null_group_id",
        "start_in_seconds": "epoch_in_seconds",
        "rsvp_in_seconds": "epoch_in_seconds",
        "null_response": "unknown_response",
    }
    assert_table(
        rejected,
        [
            rejected_row("bad.json", DAY1, text, reasons.get(case, case), "events")
            for case, text in bad.items()
        ],
    )
    # Nothing is dropped: every bad record above is rejected, the good one accepted.
    assert [row.group_id for row in accepted.collect()] == ["1"]


def test_fail_mode_raises_naming_the_reason_and_file(spark: SparkSession) -> None:
    source = records(spark, ("broken.json", DAY1, '{"group_id": 1}'))

    with pytest.raises(BadInputError, match=r"null_created in broken\.json"):
        raw_events(source, {**RAW, "on_bad_record": "fail"})


# ------------------------------------------------------------------ groups

GROUP = (
    '{{"group_id": {gid}, "name": "{name}", "city": "Detroit", "lat": 42.33, '
    '"lon": -83.05, "created": 1483228800500, "description": "Cars", '
    '"link": "https://meetup.com/g", "topics": {topics}}}'
)


def group(gid: str = "10", name: str = "Motors", topics: str = '["cars"]') -> str:
    return GROUP.format(gid=gid, name=name, topics=topics)


def typed_group(group_id: str, name: str, topics: list[str], file: str, when: datetime):
    return {
        "group_id": group_id,
        "group_name": name,
        "city": "Detroit",
        "lat": 42.33,
        "lon": -83.05,
        "created_at": datetime(2017, 1, 1, 0, 0, 0),
        "group_description": "Cars",
        "group_link": "https://meetup.com/g",
        "topics": topics,
        "_source_file": file,
        "_file_modified_at": when,
    }


def test_group_record_is_typed_and_null_topics_become_an_empty_array(
    spark: SparkSession,
) -> None:
    source = records(
        spark,
        ("g.json", DAY1, group("10", topics='["cars", null, "cars"]')),
        ("g.json", DAY1, group('"11"', topics="null")),
        ("g.json", DAY1, group("12", topics="[]")),
    )
    accepted, rejected = raw_groups(source, RAW)

    assert_table(
        accepted,
        [
            typed_group("10", "Motors", ["cars", None, "cars"], "g.json", DAY1),
            typed_group("11", "Motors", [], "g.json", DAY1),
            typed_group("12", "Motors", [], "g.json", DAY1),
        ],
    )
    assert rejected.isEmpty()


def test_identical_group_copies_collapse_and_are_counted_as_rejected(
    spark: SparkSession,
) -> None:
    # The id as a JSON number and as a string is the same id: these are identical.
    source = records(
        spark,
        ("g1.json", DAY1, group("10")),
        ("g1.json", DAY1, group('"10"')),
        ("g2.json", DAY2, group("10")),
    )
    accepted, rejected = raw_groups(source, RAW)

    assert_table(accepted, [typed_group("10", "Motors", ["cars"], "g2.json", DAY2)])
    assert_table(
        rejected,
        [
            rejected_row("g1.json", DAY1, group("10"), "identical_duplicate", "groups"),
            rejected_row(
                "g1.json", DAY1, group('"10"'), "identical_duplicate", "groups"
            ),
        ],
    )


def test_conflicting_group_copies_keep_latest_delivery(spark: SparkSession) -> None:
    v1, v2 = group("10", name="Motors v1"), group("10", name="Motors v2")
    # Input order must not matter: the newest delivery's copy wins wherever it comes.
    source = records(
        spark,
        ("g2.json", DAY2, v2),
        ("g1.json", DAY1, v1),
        ("g1.json", DAY1, v1),
        ("g3.json", DAY2, v2),
        ("g1.json", DAY1, group("20", name="Other")),
    )
    accepted, rejected = raw_groups(source, RAW)

    # Same delivery time: the later file name wins (the documented tie-break).
    assert_table(
        accepted,
        [
            typed_group("10", "Motors v2", ["cars"], "g3.json", DAY2),
            typed_group("20", "Other", ["cars"], "g1.json", DAY1),
        ],
    )
    # Copies of the losing version conflict with the winner; a copy of the winner
    # is identical to it.
    assert_table(
        rejected,
        [
            rejected_row("g1.json", DAY1, v1, "duplicate_key", "groups"),
            rejected_row("g1.json", DAY1, v1, "duplicate_key", "groups"),
            rejected_row("g2.json", DAY2, v2, "identical_duplicate", "groups"),
        ],
    )


def test_bad_group_records_are_rejected_with_their_reason(
    spark: SparkSession,
) -> None:
    bad = {
        "null_group_id": '{"name": "G", "created": 1483228800000}',
        "null_group_name": '{"group_id": 1, "created": 1483228800000}',
        "null_created": '{"group_id": 1, "name": "G"}',
        "epoch_in_seconds": '{"group_id": 1, "name": "G", "created": 1483228800}',
        "lat_out_of_range": '{"group_id": 1, "name": "G", "created": 1483228800000, '
        '"lat": 90.5, "lon": 0}',
        "lon_out_of_range": '{"group_id": 1, "name": "G", "created": 1483228800000, '
        '"lat": 0, "lon": -180.5}',
        "type_mismatch": '{"group_id": 1, "name": "G", "created": 1483228800000, '
        '"topics": "cars"}',
    }
    source = records(spark, *[("g.json", DAY1, text) for text in bad.values()])
    accepted, rejected = raw_groups(source, RAW)

    assert_table(
        rejected,
        [
            rejected_row("g.json", DAY1, text, reason, "groups")
            for reason, text in bad.items()
        ],
    )
    assert accepted.isEmpty()


# ------------------------------------------------------------------ users

USER = (
    '{"user_id": 42, "city": "Detroit", "country": "us", "hometown": "Flint", '
    '"memberships": [{"group_id": 10, "joined": 1483315200999}, '
    '{"group_id": "11", "joined": null}]}'
)


def test_user_record_is_typed_and_null_or_missing_memberships_become_empty(
    spark: SparkSession,
) -> None:
    source = records(
        spark,
        ("u.json", DAY1, USER),
        ("u.json", DAY1, '{"user_id": "43"}'),
        ("u.json", DAY1, '{"user_id": 44, "memberships": []}'),
        ("u.json", DAY1, '{"user_id": 47, "memberships": null}'),
        ("u.json", DAY1, '{"city": "Nowhere"}'),
        ("u.json", DAY1, '{"user_id": 45, "memberships": [{"joined": 1483315200999}]}'),
        (
            "u.json",
            DAY1,
            '{"user_id": 46, "memberships": [{"group_id": 10, "joined": 1483315200}]}',
        ),
    )
    accepted, rejected = raw_users(source, RAW)

    def user(user_id: str, memberships: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "user_id": user_id,
            "city": None,
            "country": None,
            "hometown": None,
            "memberships": memberships,
            "_source_file": "u.json",
            "_file_modified_at": DAY1,
        }

    assert_table(
        accepted,
        [
            {
                **user(
                    "42",
                    [
                        {"group_id": "10", "joined": 1483315200999},
                        {"group_id": "11", "joined": None},
                    ],
                ),
                "city": "Detroit",
                "country": "us",
                "hometown": "Flint",
            },
            user("43", []),
            user("44", []),
            user("47", []),
        ],
    )
    assert sorted((row.record, row.reason) for row in rejected.collect()) == [
        ('{"city": "Nowhere"}', "null_user_id"),
        (
            '{"user_id": 45, "memberships": [{"joined": 1483315200999}]}',
            "null_membership_group_id",
        ),
        (
            '{"user_id": 46, "memberships": [{"group_id": 10, "joined": 1483315200}]}',
            "epoch_in_seconds",
        ),
    ]


def test_conflicting_user_copies_keep_latest_delivery(spark: SparkSession) -> None:
    old = '{"user_id": 42, "city": "Flint"}'
    new = '{"user_id": "42", "city": "Detroit"}'
    source = records(spark, ("u2.json", DAY2, new), ("u1.json", DAY1, old))
    accepted, rejected = raw_users(source, RAW)

    assert [(row.user_id, row.city) for row in accepted.collect()] == [
        ("42", "Detroit")
    ]
    assert_table(
        rejected, [rejected_row("u1.json", DAY1, old, "duplicate_key", "users")]
    )


# ------------------------------------------------------------------ venues


def test_venue_records_are_typed_and_deduplicated_on_venue_id(
    spark: SparkSession,
) -> None:
    venue = (
        '{"venue_id": 7, "name": "Garage", "city": "Detroit", "country": "us", '
        '"lat": 42.3, "lon": -83.0}'
    )
    moved = venue.replace("Garage", "New Garage")
    source = records(
        spark,
        ("v1.json", DAY1, venue),
        ("v2.json", DAY2, moved),
        ("v2.json", DAY2, '{"name": "No id"}'),
        ("v2.json", DAY2, '{"venue_id": 8, "lat": -91}'),
    )
    accepted, rejected = raw_venues(source, RAW)

    assert_table(
        accepted,
        [
            {
                "venue_id": "7",
                "venue_name": "New Garage",
                "city": "Detroit",
                "country": "us",
                "lat": 42.3,
                "lon": -83.0,
                "_source_file": "v2.json",
                "_file_modified_at": DAY2,
            }
        ],
    )
    no_id, bad_lat = '{"name": "No id"}', '{"venue_id": 8, "lat": -91}'
    assert_table(
        rejected,
        [
            rejected_row("v1.json", DAY1, venue, "duplicate_key", "venues"),
            rejected_row("v2.json", DAY2, no_id, "null_venue_id", "venues"),
            rejected_row("v2.json", DAY2, bad_lat, "lat_out_of_range", "venues"),
        ],
    )


# ------------------------------------------------------------------ load report


def test_load_report_counts_rows_read_as_accepted_plus_rejected(
    spark: SparkSession,
) -> None:
    def frame(n: int) -> DataFrame:
        return spark.createDataFrame([(str(i),) for i in range(n)], "id string")

    batch = spark.createDataFrame([(3, False)], "batch_id long, full_refresh boolean")
    # 7 venue records read: 4 accepted, 2 rejected, and 1 superseded by a newer
    # delivery stored in an earlier batch (unaccounted for in this batch).
    counts = {"venues": (frame(7), frame(4), frame(2))}

    rows = [row.asDict() for row in raw_load_report(batch, counts).collect()]

    assert all(isinstance(row.pop("checked_at"), datetime) for row in rows)
    assert rows == [
        {
            "source": "venues",
            "records_read": 7,
            "records_accepted": 4,
            "records_rejected": 2,
            "records_unaccounted": 1,
            "_batch_id": 3,
        }
    ]


# ------------------------------------------------------------------ delivery identity


def test_rows_carry_their_delivery_and_record_keys_ignore_where_the_file_lay(
    spark: SparkSession,
) -> None:
    good = '{"group_id": "1", "created": 1488000000000}'
    bad = '{"group_id": null, "created": 1488000000000}'
    text = "source_file string, delivery_id string, file_modified_at timestamp, "
    schema = text + "record string"
    here = spark.createDataFrame(
        [("/drop/e.json", "d1", DAY1, good), ("/drop/e.json", "d1", DAY1, bad)],
        schema,
    )
    moved = spark.createDataFrame(
        [("/moved/e.json", "d1", DAY1, good), ("/moved/e.json", "d1", DAY1, bad)],
        schema,
    )

    def keys(frame: DataFrame) -> list[tuple[str, str]]:
        accepted, rejected = raw_events(frame, RAW)
        return sorted(
            [tuple(r) for r in accepted.select("_delivery_id", "_record_key").collect()]
            + [
                tuple(r)
                for r in rejected.select("delivery_id", "_record_key").collect()
            ]
        )

    found = keys(here)
    assert [delivery for delivery, _ in found] == ["d1", "d1"]
    assert found[0][1] != found[1][1]
    assert keys(moved) == found
