"""Bad input, nothing lost: every kind of bad record, from the file to the raw tables.

Each test writes small source files under ``tmp_path``, loads them with
``JsonSourceDataset`` and types them with the raw node, then asserts the exact
accepted rows and rejected reasons. Every test also checks the reconciliation the raw
layer promises: records read = records accepted + records rejected.

Epoch rule: ``created``, ``time``, RSVP ``when`` and membership ``joined`` are epoch
*milliseconds*; any value below ``raw.min_epoch_ms`` (1e11 ms = 1973-03-03, while 1e11
*seconds* would be the year 5138) is taken for epoch seconds and rejected as
``epoch_in_seconds``.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from kedro.io import DatasetError
from pyspark.sql import SparkSession

from motors_meetup.datasets.json_source import JsonSourceDataset
from motors_meetup.pipelines.raw.nodes import (
    BadInputError,
    raw_events,
    raw_groups,
    raw_users,
    raw_venues,
)

RAW: dict[str, Any] = {"on_bad_record": "quarantine", "min_epoch_ms": 100_000_000_000}
NODES = {
    "events": raw_events,
    "groups": raw_groups,
    "users": raw_users,
    "venues": raw_venues,
}
DAY1 = 1_496_275_200  # 2017-06-01 00:00:00 UTC, as a file modification time
DAY2 = DAY1 + 86_400
DROP = object()  # marks a field to leave out of a record

CREATED = 1_488_000_000_000  # 2017-02-25 05:20:00 UTC
GOOD = {
    "events": {
        "group_id": 1,
        "name": "Spark Meetup",
        "description": "<p>Hi</p>",
        "created": CREATED,
        "time": 1_488_652_200_000,
        "duration": 7_200_000,
        "rsvp_limit": 10,
        "venue_id": 7,
        "status": "past",
        "rsvps": [{"user_id": 42, "response": "yes", "when": CREATED, "guests": 1}],
    },
    "groups": {
        "group_id": 10,
        "name": "Motors",
        "city": "Detroit",
        "lat": 42.33,
        "lon": -83.05,
        "created": CREATED,
        "description": "Cars",
        "link": "https://meetup.com/motors",
        "topics": ["cars"],
    },
    "users": {
        "user_id": 42,
        "city": "Detroit",
        "country": "us",
        "hometown": "Flint",
        "memberships": [{"group_id": 10, "joined": CREATED}],
    },
    "venues": {
        "venue_id": 7,
        "name": "Garage",
        "city": "Detroit",
        "country": "us",
        "lat": 42.3,
        "lon": -83.0,
    },
}
RSVP = GOOD["events"]["rsvps"][0]
MEMBERSHIP = GOOD["users"]["memberships"][0]


def record(source: str, **changes: Any) -> str:
    """A valid record of ``source`` as JSON text, with fields changed or dropped."""
    fields = {**GOOD[source], **changes}
    return json.dumps(
        {k: v for k, v in fields.items() if v is not DROP}, ensure_ascii=False
    )


def write(path: Path, text: str, mtime: int = DAY1) -> Path:
    """A delivery file with a fixed arrival time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def lines(*records: str) -> str:
    return "\n".join(records) + "\n"


@dataclass
class Outcome:
    """What the raw layer made of a source: accepted rows and rejected records."""

    accepted: list[dict[str, Any]]
    rejected: list[tuple[str, str]]  # (reason, record text), sorted

    @property
    def reasons(self) -> Counter[str]:
        return Counter(reason for reason, _ in self.rejected)


def typed(input_dir: Path, source: str, raw: dict[str, Any] = RAW) -> Outcome:
    """Load and type ``source``, checking records read = accepted + rejected."""
    records = JsonSourceDataset(input_dir=str(input_dir), source=source).load()
    accepted, rejected = NODES[source](records, raw)
    rows = [
        row.asDict(recursive=True)
        for row in accepted.drop("_record_key", "_delivery", "_delivery_id").collect()
    ]
    bad = sorted((row.reason, row.record) for row in rejected.collect())
    assert records.count() == len(rows) + len(bad), "a record was lost"
    return Outcome(rows, bad)


def only(source: str, tmp_path: Path, *records: str) -> Outcome:
    write(tmp_path / f"{source}.json", lines(*records))
    return typed(tmp_path, source)


# ---------------------------------------------------------------- unreadable records


def test_malformed_json_lines_are_rejected_and_the_other_lines_accepted(
    spark: SparkSession, tmp_path: Path
) -> None:
    good = record("events")
    bad = [
        '{"group_id": 1, "created": ',
        "not json at all",
        # Two records run together, and a record followed by junk: the JSON reader
        # would silently keep the first value and drop the rest.
        good + good,
        good + " trailing",
        '{"group_id": 1, "created": NaN}',
    ]
    outcome = only("events", tmp_path, good, *bad, good)

    assert len(outcome.accepted) == 2
    assert outcome.rejected == sorted(("malformed_json", text) for text in bad)


def test_truncated_json_lines_file_rejects_only_the_cut_record(
    spark: SparkSession, tmp_path: Path
) -> None:
    good = record("events")
    cut = good[:40]
    write(tmp_path / "events.json", good + "\n" + good + "\n" + cut)

    outcome = typed(tmp_path, "events")

    assert len(outcome.accepted) == 2
    assert outcome.rejected == [("malformed_json", cut)]


@pytest.mark.parametrize(
    ("tail", "rejected_text"),
    [
        (', {"venue_id": 3, "name": "Gar', '{"venue_id": 3, "name": "Gar'),
        (",", ","),  # cut after a comma: no closing "]"
        ("", ""),  # cut right after an element: no closing "]"
    ],
    ids=["inside_an_element", "after_a_comma", "after_an_element"],
)
def test_truncated_array_file_keeps_whole_elements_and_rejects_the_cut_tail(
    spark: SparkSession, tmp_path: Path, tail: str, rejected_text: str
) -> None:
    write(tmp_path / "venues.json", '[{"venue_id": 1}, {"venue_id": 2}' + tail)

    outcome = typed(tmp_path, "venues")

    assert sorted(row["venue_id"] for row in outcome.accepted) == ["1", "2"]
    assert outcome.rejected == [("malformed_json", rejected_text)]


def test_array_file_followed_by_junk_rejects_the_junk(
    spark: SparkSession, tmp_path: Path
) -> None:
    write(tmp_path / "venues.json", '[{"venue_id": 1}]\n{"venue_id": 2, "na')

    outcome = typed(tmp_path, "venues")

    # Text after the closing bracket is kept as one more record.
    assert [row["venue_id"] for row in outcome.accepted] == ["1"]
    assert outcome.rejected == [("malformed_json", '{"venue_id": 2, "na')]


# ---------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        (
            "events",
            [
                record("events", created="2017-02-25"),
                record("events", created=1.5e12),
                record("events", rsvp_limit="ten"),
                record("events", rsvp_limit=3_000_000_000),  # beyond int
                record("events", group_id={"id": 1}),
                record("events", venue_id=[7]),
                record("events", rsvps={"user_id": 42}),
                record("events", rsvps=[{**RSVP, "guests": 1.5}]),
                record("events", rsvps=[{**RSVP, "user_id": True}]),
                "[1, 2]",
                '"an event"',
                "null",
            ],
        ),
        (
            "groups",
            [
                record("groups", lat="north"),
                record("groups", topics="cars"),
                record("groups", group_id=False),
            ],
        ),
        (
            "users",
            [
                record("users", memberships="10"),
                record("users", memberships=[{**MEMBERSHIP, "joined": "today"}]),
                record("users", memberships=[{**MEMBERSHIP, "group_id": [10]}]),
                record("users", user_id={"id": 42}),
            ],
        ),
        ("venues", [record("venues", lon="west"), record("venues", venue_id=[7])]),
    ],
)
def test_wrong_type_in_a_field_is_rejected_as_type_mismatch(
    spark: SparkSession, tmp_path: Path, source: str, bad: list[str]
) -> None:
    outcome = only(source, tmp_path, record(source), *bad)

    assert len(outcome.accepted) == 1
    assert outcome.rejected == sorted(("type_mismatch", text) for text in bad)


def test_ids_as_numbers_or_strings_and_numbers_in_text_fields_are_accepted(
    spark: SparkSession, tmp_path: Path
) -> None:
    outcome = only(
        "events",
        tmp_path,
        record("events", group_id="1", venue_id=" 7 ", name=2017),
        record("events", rsvps=[{**RSVP, "user_id": "42"}]),
    )

    assert outcome.rejected == []
    assert sorted(
        (
            row["group_id"],
            row["venue_id"],
            row["event_name"],
            row["rsvps"][0]["user_id"],
        )
        for row in outcome.accepted
    ) == [("1", "7", "2017", "42"), ("1", "7", "Spark Meetup", "42")]


# ---------------------------------------------------------------- broken raw rules


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        (
            "events",
            {
                "null_group_id": [
                    record("events", group_id=None),
                    record("events", group_id=DROP),
                    record("events", group_id="  "),
                ],
                "null_created": [
                    record("events", created=None),
                    record("events", created=DROP),
                ],
                "null_rsvp_user_id": [
                    record("events", rsvps=[{**RSVP, "user_id": None}]),
                    record("events", rsvps=[RSVP, {**RSVP, "user_id": ""}]),
                    record("events", rsvps=[{"response": "yes", "when": CREATED}]),
                ],
            },
        ),
        (
            "groups",
            {
                "null_group_id": [
                    record("groups", group_id=None),
                    record("groups", group_id=DROP),
                ],
                "null_group_name": [
                    record("groups", name=None),
                    record("groups", name=DROP),
                ],
                "null_created": [
                    record("groups", created=None),
                    record("groups", created=DROP),
                ],
            },
        ),
        (
            "users",
            {
                "null_user_id": [
                    record("users", user_id=None),
                    record("users", user_id=DROP),
                    record("users", user_id=""),
                ],
            },
        ),
        (
            "venues",
            {
                "null_venue_id": [
                    record("venues", venue_id=None),
                    record("venues", venue_id=DROP),
                ],
            },
        ),
    ],
)
def test_each_required_field_null_missing_or_blank_is_rejected_with_its_reason(
    spark: SparkSession,
    tmp_path: Path,
    source: str,
    bad: dict[str, list[str]],
) -> None:
    texts = [text for group in bad.values() for text in group]
    outcome = only(source, tmp_path, record(source), *texts)

    assert len(outcome.accepted) == 1
    assert outcome.rejected == sorted(
        (reason, text) for reason, group in bad.items() for text in group
    )


def test_unknown_enum_values_are_rejected_and_known_ones_lower_cased(
    spark: SparkSession, tmp_path: Path
) -> None:
    bad = {
        "unknown_status": [record("events", status="postponed")],
        "unknown_response": [
            record("events", rsvps=[{**RSVP, "response": "maybe"}]),
            record("events", rsvps=[{**RSVP, "response": None}]),
        ],
    }
    texts = [text for group in bad.values() for text in group]
    outcome = only(
        "events",
        tmp_path,
        record("events", status="PAST", rsvps=[{**RSVP, "response": "Waitlist"}]),
        record("events", status=None),
        *texts,
    )

    assert outcome.rejected == sorted(
        (reason, text) for reason, group in bad.items() for text in group
    )
    assert sorted(
        (row["event_status"] or "", [r["response"] for r in row["rsvps"]])
        for row in outcome.accepted
    ) == [("", ["yes"]), ("past", ["waitlist"])]


def test_negative_guests_duration_and_rsvp_limit_are_rejected_zero_accepted(
    spark: SparkSession, tmp_path: Path
) -> None:
    bad = {
        "negative_duration": record("events", duration=-1),
        "negative_rsvp_limit": record("events", rsvp_limit=-5),
        "negative_guests": record("events", rsvps=[{**RSVP, "guests": -1}]),
    }
    zeros = record("events", duration=0, rsvp_limit=0, rsvps=[{**RSVP, "guests": 0}])
    outcome = only("events", tmp_path, zeros, *bad.values())

    assert len(outcome.accepted) == 1
    assert outcome.rejected == sorted((reason, text) for reason, text in bad.items())


def test_epoch_seconds_where_milliseconds_are_expected_are_rejected(
    spark: SparkSession, tmp_path: Path
) -> None:
    seconds = CREATED // 1000
    limit = RAW["min_epoch_ms"]
    bad_events = [
        record("events", created=seconds),
        record("events", time=1_488_652_200),
        record("events", rsvps=[{**RSVP, "when": seconds}]),
        record("events", created=limit - 1),
    ]
    events = only(
        "events", tmp_path / "e", record("events", created=limit), *bad_events
    )
    groups = only("groups", tmp_path / "g", record("groups", created=seconds))
    users = only(
        "users",
        tmp_path / "u",
        record("users", memberships=[{"group_id": 1, "joined": 1}]),
    )

    # Exactly min_epoch_ms is milliseconds (1973-03-03 09:46:40 UTC).
    assert len(events.accepted) == 1
    assert str(events.accepted[0]["event_created_at"]) == "1973-03-03 09:46:40"
    assert events.rejected == sorted(("epoch_in_seconds", t) for t in bad_events)
    assert groups.reasons == Counter({"epoch_in_seconds": 1})
    assert users.reasons == Counter({"epoch_in_seconds": 1})


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("text", ["", " \n\t\r\n  \n"], ids=["no_bytes", "whitespace"])
def test_empty_source_file_raises_a_clear_error_naming_the_path(
    tmp_path: Path, text: str
) -> None:
    file = write(tmp_path / "events.json", text)

    with pytest.raises(DatasetError, match="empty") as error:
        JsonSourceDataset(input_dir=str(tmp_path), source="events").load()
    assert str(file.resolve()) in str(error.value)


def test_empty_delivery_beside_others_is_skipped_with_a_warning(
    spark: SparkSession, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = write(tmp_path / "venues" / "2017-06-01.json", "")
    write(tmp_path / "venues" / "2017-06-02.json", lines(record("venues")))

    with caplog.at_level(logging.WARNING):
        outcome = typed(tmp_path, "venues")

    assert len(outcome.accepted) == 1
    assert outcome.rejected == []
    assert str(empty.resolve()) in caplog.text


def test_missing_source_raises_a_clear_error_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(DatasetError) as error:
        JsonSourceDataset(input_dir=str(tmp_path), source="groups").load()

    assert "no input found" in str(error.value)
    assert str(tmp_path / "groups.json") in str(error.value)


# ---------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("source", "key", "column", "field"),
    [
        ("groups", "group_id", "group_name", "name"),
        ("users", "user_id", "city", "city"),
        ("venues", "venue_id", "venue_name", "name"),
    ],
)
def test_duplicate_ids_collapse_or_keep_the_latest_delivery(
    spark: SparkSession, tmp_path: Path, source: str, key: str, column: str, field: str
) -> None:
    same = record(source, **{key: 1})
    # The id as a number and as a string is the same id.
    same_as_text = record(source, **{key: "1"})
    old, new = (
        record(source, **{key: 2, field: "old"}),
        record(source, **{key: 2, field: "new"}),
    )
    write(tmp_path / source / "day1.json", lines(same, same_as_text, old), DAY1)
    write(tmp_path / source / "day2.json", lines(new, same), DAY2)

    outcome = typed(tmp_path, source)

    assert sorted(
        (row[key], row[column], row["_source_file"][-9:]) for row in outcome.accepted
    ) == [
        ("1", GOOD[source][field], "day2.json"),
        ("2", "new", "day2.json"),
    ]
    assert outcome.rejected == sorted(
        [
            ("identical_duplicate", same),
            ("identical_duplicate", same_as_text),
            ("duplicate_key", old),
        ]
    )


# ---------------------------------------------------------------- tolerated input


def test_null_missing_and_empty_arrays_are_accepted_and_stored_as_empty(
    spark: SparkSession, tmp_path: Path
) -> None:
    arrays = {
        "events": ("rsvps", "name"),
        "groups": ("topics", "group_id"),
        "users": ("memberships", "user_id"),
    }
    for source, (field, key) in arrays.items():
        outcome = only(
            source,
            tmp_path / source,
            record(source, **{field: None, key: 1}),
            record(source, **{field: [], key: 2}),
            record(source, **{field: DROP, key: 3}),
        )
        assert outcome.rejected == [], source
        assert [row[field] for row in outcome.accepted] == [[], [], []], source


def test_unexpected_extra_fields_are_accepted_and_ignored(
    spark: SparkSession, tmp_path: Path
) -> None:
    extra = record(
        "events",
        organizer={"name": "Ann", "id": 5},
        tags=["x"],
        rsvps=[{**RSVP, "note": "bringing snacks"}],
    )
    plain = only("events", tmp_path / "plain", record("events"))
    outcome = only("events", tmp_path / "extra", extra)

    assert outcome.rejected == []
    drop = ("_source_file", "_file_modified_at")
    assert [
        {k: v for k, v in row.items() if k not in drop} for row in outcome.accepted
    ] == [{k: v for k, v in row.items() if k not in drop} for row in plain.accepted]


@pytest.mark.parametrize("layout", ["json_lines", "array"])
def test_very_long_and_non_ascii_text_is_accepted_intact(
    spark: SparkSession, tmp_path: Path, layout: str
) -> None:
    long_text = ("Öl & Motoren — " * 70_000)[:1_000_000]  # 1 M characters
    names = ["Café Racer 東京 🚗", "مهرجان السيارات", "Zürich\u00a0Motors\u2028"]
    texts = [record("events", name=name, description=long_text) for name in names]
    # Escapes decode to the same text as the characters themselves.
    texts.append(record("events", name="Caf\u00e9").replace("Caf\u00e9", "Caf\\u00e9"))
    body = lines(*texts) if layout == "json_lines" else "[" + ",\n".join(texts) + "]"
    # A byte order mark at the start of the file is not part of the first record.
    write(tmp_path / "events.json", "\ufeff" + body)

    outcome = typed(tmp_path, "events")

    assert outcome.rejected == []
    assert sorted(row["event_name"] for row in outcome.accepted) == sorted(
        [*names, "Café"]
    )
    long_rows = [row for row in outcome.accepted if row["event_name"] in names]
    assert all(row["event_description"] == long_text for row in long_rows)


# ---------------------------------------------------------------- fail mode


def test_fail_mode_raises_bad_input_error_naming_source_reason_and_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    file = write(
        tmp_path / "events.json",
        lines(record("events"), record("events", created=None)),
    )
    records = JsonSourceDataset(input_dir=str(tmp_path), source="events").load()

    with pytest.raises(BadInputError) as error:
        raw_events(records, {**RAW, "on_bad_record": "fail"})

    message = str(error.value)
    assert "'events'" in message
    assert f"null_created in {file.resolve()}" in message


def test_fail_mode_lets_identical_copies_collapse(
    spark: SparkSession, tmp_path: Path
) -> None:
    write(tmp_path / "venues.json", lines(record("venues"), record("venues")))

    outcome = typed(tmp_path, "venues", {**RAW, "on_bad_record": "fail"})

    assert len(outcome.accepted) == 1
    assert outcome.rejected == [("identical_duplicate", record("venues"))]
