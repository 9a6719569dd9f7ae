"""Exact values of the shared column rules (DESIGN §4), computed by Spark.

Each test builds one tiny frame with an explicit schema and runs one Spark action.
The session time zone is UTC (DESIGN §1), so timestamps below are UTC wall times.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from motors_meetup.columns import (
    clean_description,
    clean_identifier,
    epoch_ms_to_timestamp,
    id_string,
    ms_to_whole_seconds,
    round_half_up,
    surrogate_key,
    whole_days_between,
)


def md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ surrogate key


def test_surrogate_key_matches_dbt_utils_worked_examples(spark: SparkSession) -> None:
    frame = spark.createDataFrame(
        [("123", "Spark Meetup", 1488652200000, "<p>Hi &amp; welcome</p>", 42)],
        "group_id string, name string, time bigint, description string, user_id bigint",
    )
    row = frame.select(
        surrogate_key(
            "group_id",
            "name",
            epoch_ms_to_timestamp("time"),
            "description",
            F.lit("1"),
        ).alias("event_id"),
        surrogate_key("user_id").alias("user_sk_from_number"),
        surrogate_key(F.lit("42")).alias("user_sk_from_text"),
        surrogate_key(F.lit(None).cast("string")).alias("sk_null"),
        surrogate_key(F.lit(None), F.lit("a")).alias("sk_null_a"),
        surrogate_key(F.lit(""), F.lit("a")).alias("sk_empty_a"),
    ).collect()[0]

    assert row.asDict() == {
        "event_id": "380d4485b8c3b9e870149d1bbf154e64",
        "user_sk_from_number": "a1d0c6e83f027327d8461063f4ac58a6",
        "user_sk_from_text": "a1d0c6e83f027327d8461063f4ac58a6",
        "sk_null": "f14cc5cdce0420f4a5a6b6d9d7b85f39",
        # Each NULL becomes the placeholder in place; '' stays '' (dbt_utils does so).
        "sk_null_a": md5("_dbt_utils_surrogate_key_null_-a"),
        "sk_empty_a": md5("-a"),
    }
    assert row.event_id == md5(
        "123-Spark Meetup-2017-03-04 18:30:00-<p>Hi &amp; welcome</p>-1"
    )


def test_surrogate_key_needs_at_least_one_column() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        surrogate_key()


# ------------------------------------------------------------------ epoch ms


def test_epoch_ms_become_utc_timestamps_truncated_to_whole_seconds(
    spark: SparkSession,
) -> None:
    frame = spark.createDataFrame(
        [
            (1, 1488652200000),
            (2, 1488652200001),
            (3, 1488652200999),
            (4, 0),
            (5, 999),
            # Before 1970 a timestamp truncated to the second is the earlier second
            # (date_trunc semantics): -1 ms is 23:59:59.999 -> 23:59:59.
            (6, -1),
            (7, -1000),
            (8, -1500),
            (9, None),
        ],
        "n int, ms bigint",
    )
    rows = frame.select("n", epoch_ms_to_timestamp("ms").alias("ts")).collect()

    assert sorted(tuple(row) for row in rows) == [
        (1, datetime(2017, 3, 4, 18, 30, 0)),
        (2, datetime(2017, 3, 4, 18, 30, 0)),
        (3, datetime(2017, 3, 4, 18, 30, 0)),
        (4, datetime(1970, 1, 1, 0, 0, 0)),
        (5, datetime(1970, 1, 1, 0, 0, 0)),
        (6, datetime(1969, 12, 31, 23, 59, 59)),
        (7, datetime(1969, 12, 31, 23, 59, 59)),
        (8, datetime(1969, 12, 31, 23, 59, 58)),
        (9, None),
    ]


def test_duration_ms_become_whole_seconds_truncated_toward_zero(
    spark: SparkSession,
) -> None:
    frame = spark.createDataFrame(
        [(1, 7200000), (2, 7200999), (3, 999), (4, 0), (5, -1999), (6, None)],
        "n int, ms bigint",
    )
    result = frame.select("n", ms_to_whole_seconds("ms").alias("seconds"))

    assert result.schema["seconds"].dataType.simpleString() == "bigint"
    assert sorted(tuple(row) for row in result.collect()) == [
        (1, 7200),
        (2, 7200),
        (3, 0),
        (4, 0),
        (5, -1),
        (6, None),
    ]


# ------------------------------------------------------------------ whole days


def test_whole_days_between_counts_whole_24_hour_periods_toward_zero(
    spark: SparkSession,
) -> None:
    frame = spark.createDataFrame(
        [
            ("exactly 24h", datetime(2017, 1, 1), datetime(2017, 1, 2)),
            ("23h59m59s", datetime(2017, 1, 1), datetime(2017, 1, 1, 23, 59, 59)),
            ("47h59m", datetime(2017, 1, 1), datetime(2017, 1, 2, 23, 59)),
            ("across midnight", datetime(2017, 1, 1, 23), datetime(2017, 1, 2, 1)),
            ("minus 47h59m", datetime(2017, 1, 3), datetime(2017, 1, 1, 0, 1)),
            ("minus 1s", datetime(2017, 1, 1), datetime(2016, 12, 31, 23, 59, 59)),
            ("30 days", datetime(2017, 1, 1, 12), datetime(2017, 1, 31, 12)),
            ("null end", datetime(2017, 1, 1), None),
        ],
        "case string, a timestamp, b timestamp",
    )
    result = frame.select("case", whole_days_between("a", "b").alias("days"))

    assert result.schema["days"].dataType.simpleString() == "int"
    assert dict(tuple(row) for row in result.collect()) == {
        "exactly 24h": 1,
        "23h59m59s": 0,
        "47h59m": 1,
        "across midnight": 0,
        "minus 47h59m": -1,
        "minus 1s": 0,
        "30 days": 30,
        "null end": None,
    }


def test_whole_days_between_takes_a_date_as_its_midnight(spark: SparkSession) -> None:
    frame = spark.createDataFrame(
        [
            ("date to next midnight", date(2017, 1, 1), datetime(2017, 1, 2)),
            ("date to 23:59:59", date(2017, 1, 1), datetime(2017, 1, 1, 23, 59, 59)),
            ("date to earlier noon", date(2017, 1, 3), datetime(2017, 1, 1, 12)),
        ],
        "case string, a date, b timestamp",
    )
    dates = spark.createDataFrame(
        [("two dates", date(2017, 1, 1), date(2017, 3, 1))],
        "case string, a date, b date",
    )
    rows = (
        frame.select("case", whole_days_between("a", "b").alias("days"))
        .unionByName(dates.select("case", whole_days_between("a", "b").alias("days")))
        .collect()
    )

    assert dict(tuple(row) for row in rows) == {
        "date to next midnight": 1,
        "date to 23:59:59": 0,
        "date to earlier noon": -1,
        "two dates": 59,
    }


# ------------------------------------------------------------------ descriptions


def test_clean_description_runs_in_spark_and_keeps_null_null(
    spark: SparkSession,
) -> None:
    frame = spark.createDataFrame(
        [
            (1, "<p>Hi &amp; welcome</p>"),
            (2, None),
            (3, ""),
            (4, " \u00a0 "),
            (5, "<p>One</p><script>x()</script><p>Two</p><p>One</p>"),
            (6, "&amp;lt;b&amp;gt; &lt;b&gt;"),
        ],
        "n int, description string",
    )
    rows = frame.select("n", clean_description("description").alias("clean"))

    assert sorted(tuple(row) for row in rows.collect()) == [
        (1, "Hi & welcome"),
        (2, None),
        (3, None),
        (4, None),
        (5, "One\nTwo"),
        (6, "&lt;b&gt; <b>"),
    ]


# ------------------------------------------------------------------ ids and names


def test_ids_given_as_numbers_or_strings_become_the_same_text(
    spark: SparkSession,
) -> None:
    frame = spark.createDataFrame(
        [(1, "123"), (2, " 123 "), (3, ""), (4, "   "), (5, None)],
        "n int, text string",
    )
    rows = frame.select(
        "n",
        id_string("text").alias("from_text"),
        id_string(F.lit(123)).alias("from_number"),
        clean_identifier(F.lit("a-b c.d_9é")).alias("identifier"),
    ).collect()

    assert sorted(tuple(row) for row in rows) == [
        (1, "123", "123", "a_b_c_d_9_"),
        (2, "123", "123", "a_b_c_d_9_"),
        (3, None, "123", "a_b_c_d_9_"),
        (4, None, "123", "a_b_c_d_9_"),
        (5, None, "123", "a_b_c_d_9_"),
    ]


def test_round_half_up_rounds_decimal_halves_away_from_zero(
    spark: SparkSession,
) -> None:
    frame = spark.createDataFrame(
        [(1, 4323), (2, 4320), (3, 4317)], "n int, minutes int"
    )
    rows = frame.select(
        "n",
        round_half_up(F.col("minutes") / 60.0, 1).alias("hours"),
        round_half_up(F.lit(Decimal("-2.5")), 0).alias("minus_half"),
        round_half_up(F.lit(72.05), 1).alias("double_half"),
    ).collect()

    assert sorted(tuple(row) for row in rows) == [
        (1, 72.1, -3.0, 72.1),
        (2, 72.0, -3.0, 72.1),
        (3, 72.0, -3.0, 72.1),
    ]
