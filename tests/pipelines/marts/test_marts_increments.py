"""The merged marts recompute exactly the rows a batch touched (batch 2 here)."""

from __future__ import annotations

from datetime import date, datetime

from pyspark.sql import DataFrame, SparkSession

from motors_meetup.pipelines.marts.increments import (
    dim_events_increment,
    fact_event_attendance_increment,
    fact_rsvps_increment,
)

EVENTS_SCHEMA = (
    "event_sk string, event_start_date_id date, rsvp_limit int, _batch_id long"
)
RSVPS_SCHEMA = (
    "event_sk string, user_id string, is_attending boolean, "
    "is_not_attending boolean, is_waitlisted boolean, guests int, _batch_id long"
)


def _batch(spark: SparkSession, number: int) -> DataFrame:
    return spark.createDataFrame(
        [(number, False)], "batch_id long, full_refresh boolean"
    )


def test_attendance_is_recomputed_from_all_answers_of_touched_events(
    spark: SparkSession,
) -> None:
    # e1: unchanged event, one old answer and one new answer (batch 2) -> touched.
    # e2: event row rewritten in batch 2, no answers -> touched, zero counts.
    # e3: nothing changed -> not in the increment.
    dim_events = spark.createDataFrame(
        [
            ("e1", date(2018, 1, 5), 10, 1),
            ("e2", date(2018, 1, 6), None, 2),
            ("e3", date(2018, 1, 7), 4, 1),
        ],
        EVENTS_SCHEMA,
    )
    fact_rsvps = spark.createDataFrame(
        [
            ("e1", "u1", True, False, False, 2, 1),
            ("e1", "u2", False, True, False, None, 2),
            ("e3", "u1", True, False, False, 0, 1),
        ],
        RSVPS_SCHEMA,
    )

    result = fact_event_attendance_increment(dim_events, fact_rsvps, _batch(spark, 2))

    rows = {row.event_sk: row.asDict() for row in result.collect()}
    assert sorted(rows) == ["e1", "e2"]
    assert rows["e1"] == {
        "event_sk": "e1",
        "attendance_date_id": date(2018, 1, 5),
        "total_responses": 2,
        "attending_count": 1,
        "not_attending_count": 1,
        "waitlist_count": 0,
        "total_guests": 2,
        "unique_respondents": 2,
        "total_expected_attendance": 3,
        "percent_capacity_filled": 30.0,
        "_batch_id": 2,
    }
    # No answers: zero counts; no RSVP limit: no capacity filled.
    assert rows["e2"] == {
        "event_sk": "e2",
        "attendance_date_id": date(2018, 1, 6),
        "total_responses": 0,
        "attending_count": 0,
        "not_attending_count": 0,
        "waitlist_count": 0,
        "total_guests": 0,
        "unique_respondents": 0,
        "total_expected_attendance": 0,
        "percent_capacity_filled": None,
        "_batch_id": 2,
    }


def test_dim_events_increment_is_the_batch_s_events_stamped(
    spark: SparkSession,
) -> None:
    columns = (
        "event_sk string, event_id string, group_id string, venue_id string, "
        "venue_sk string, event_name string, event_description string, "
        "event_created_at timestamp, event_start_time timestamp, "
        "event_duration_seconds long, rsvp_limit int, event_status string, "
        "event_version_number int, is_suggested boolean, is_proposed boolean, "
        "is_cancelled boolean, is_past boolean, is_upcoming boolean, _batch_id long"
    )
    blank = (None,) * 6  # venue_sk .. rsvp_limit: not what this test is about
    events = spark.createDataFrame(
        [
            ("s1", "1", "g", None, *blank[:1], "A", *blank[1:], "past", 1)
            + (False, False, False, True, False, 1),
            ("s2", "2", "g", None, *blank[:1], "B", *blank[1:], "upcoming", 1)
            + (False, False, False, False, True, 3),
        ],
        columns,
    )

    result = dim_events_increment(events, _batch(spark, 3)).collect()

    assert [(row.event_sk, row.event_name, row.is_upcoming) for row in result] == [
        ("s2", "B", True)
    ]
    assert result[0]._batch_id == 3


INT_RSVPS_SCHEMA = (
    "rsvp_sk string, user_sk string, event_sk string, event_id string, "
    "user_id string, group_id string, event_name string, "
    "rsvp_last_modified_at timestamp, response string, guests int, "
    "rsvp_version_number int, is_attending boolean, is_not_attending boolean, "
    "is_waitlisted boolean, event_status string, event_start_time timestamp, "
    "user_city string, _batch_id long"
)
DIM_EVENTS_SCHEMA = (
    "event_sk string, venue_sk string, is_past boolean, is_upcoming boolean, "
    "is_cancelled boolean, _batch_id long"
)
THRESHOLDS = {"rsvp_timing_days": {"last_minute_at_most": 1, "within_week_at_most": 7}}


def test_rsvp_fact_takes_changed_answers_and_the_answers_of_changed_events(
    spark: SparkSession,
) -> None:
    # e1's dim_events row changed in batch 2 (its venue was renamed): both its
    # answers are recomputed. u3's answer on e2 changed in batch 2 (u3 moved city):
    # recomputed too, and the MERGE (skip_unchanged) leaves it alone if its fact
    # row is the same. u4's answer on e2 is untouched.
    answered, start = datetime(2018, 6, 1), datetime(2018, 6, 10)

    def answer(user: str, event: str, batch: int, city: str) -> tuple:
        return (
            f"{user}{event}", user, event, event, user, "g", "E", answered, "yes",
            0, 1, True, False, False, "past", start, city, batch,
        )  # fmt: skip

    rsvps = spark.createDataFrame(
        [
            answer("u1", "e1", 1, "Detroit"),
            answer("u2", "e1", 1, "Flint"),
            answer("u3", "e2", 2, "Lansing"),
            answer("u4", "e2", 1, "Lansing"),
        ],
        INT_RSVPS_SCHEMA,
    )
    dim_events = spark.createDataFrame(
        [("e1", "v1", True, False, False, 2), ("e2", "v2", True, False, False, 1)],
        DIM_EVENTS_SCHEMA,
    )

    result = fact_rsvps_increment(rsvps, dim_events, THRESHOLDS, _batch(spark, 2))

    rows = sorted((r.rsvp_sk, r.venue_sk, r._batch_id) for r in result.collect())
    assert rows == [("u1e1", "v1", 2), ("u2e1", "v1", 2), ("u3e2", "v2", 2)]
