"""Source freshness with a fixed ``now``: pass, warn and error, node and command.

``now`` is 2018-07-01 00:00 UTC. Events are judged on their newest ``created``
(warn after 7 days), the other sources on their newest file's arrival (warn after 30
days); error thresholds are optional.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError
from pyspark.sql import DataFrame, SparkSession

from motors_meetup.pipelines.freshness.nodes import (
    SourcesStale,
    assert_sources_fresh,
    reference_time,
    source_freshness,
    threshold_hours,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
NOW = "2018-07-01T00:00:00"
RECORDS = "source_file string, file_modified_at timestamp, record string"
ARRIVED_TODAY = datetime(2018, 6, 30, 12, 0)


def ms(day: str) -> int:
    """Epoch milliseconds of a UTC date."""
    moment = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def config(**events: Any) -> dict[str, Any]:
    """The thresholds of conf/base/parameters_freshness.yml, events overridable."""
    by_arrival = {"loaded_at_field": "file_arrival", "warn_after": {"count": 30}}
    return {
        "now": NOW,
        "sources": {
            "events": {
                "loaded_at_field": "created",
                "warn_after": {"count": 7, "period": "day"},
                "error_after": None,
                **events,
            },
            "groups": by_arrival,
            "users": by_arrival,
            "venues": by_arrival,
        },
    }


def sources(
    spark: SparkSession, newest_created: str, arrived: datetime = ARRIVED_TODAY
) -> dict[str, DataFrame]:
    """The four sources as JsonSourceDataset loads them."""
    events = [
        json.dumps({"group_id": 1, "created": ms("2018-01-01")}),
        json.dumps({"group_id": 1, "created": ms(newest_created)}),
        json.dumps({"group_id": 1, "created": "not a number"}),
        "not json",
    ]
    frames = {
        "events": [("events.json", ARRIVED_TODAY, text) for text in events],
        "groups": [("groups.json", datetime(2018, 6, 1), '{"group_id": 1}')],
        "users": [
            ("users/old.json", datetime(2018, 1, 1), '{"user_id": 1}'),
            ("users/new.json", arrived, '{"user_id": 2}'),
        ],
        "venues": [("venues.json", arrived, '{"venue_id": 1}')],
    }
    return {name: spark.createDataFrame(rows, RECORDS) for name, rows in frames.items()}


def statuses(results: DataFrame) -> dict[str, str]:
    return {row["source"]: row["status"] for row in results.collect()}


def test_fresh_sources_pass(spark: SparkSession) -> None:
    results, _ = source_freshness(config(), **sources(spark, "2018-06-28"))

    assert statuses(results) == {
        "events": "PASS",
        "groups": "PASS",
        "users": "PASS",
        "venues": "PASS",
    }
    events = results.where("source = 'events'").first()
    # The newest `created` counts, not the file's arrival, nor unusable records.
    assert events["newest_at"] == datetime(2018, 6, 28)
    assert (events["age_hours"], events["warn_after_hours"]) == (72.0, 168.0)
    assert events["records"] == 4
    assert assert_sources_fresh(results) == {"PASS": 4, "WARN": 0, "FAIL": 0}


def test_sources_past_warn_after_warn_and_the_run_goes_on(
    spark: SparkSession,
) -> None:
    results, _ = source_freshness(
        config(), **sources(spark, "2018-06-20", arrived=datetime(2018, 5, 1))
    )

    assert statuses(results) == {
        "events": "WARN",
        "groups": "PASS",
        "users": "WARN",
        "venues": "WARN",
    }
    detail = results.where("source = 'events'").first()["detail"]
    assert detail == (
        "newest `created` 2018-06-20 00:00:00 UTC is 11.0 days old; "
        "warn after 7.0 days, error after -"
    )
    assert assert_sources_fresh(results) == {"PASS": 1, "WARN": 3, "FAIL": 0}


def test_source_past_error_after_fails_naming_the_stale_source(
    spark: SparkSession,
) -> None:
    results, _ = source_freshness(
        config(error_after={"count": 10, "period": "day"}),
        **sources(spark, "2018-06-20"),
    )

    assert statuses(results)["events"] == "FAIL"
    with pytest.raises(SourcesStale, match=r"1 source\(s\) stale") as error:
        assert_sources_fresh(results)
    assert "events: newest `created` 2018-06-20" in str(error.value)


def test_source_without_any_usable_time_fails(spark: SparkSession) -> None:
    undated = spark.createDataFrame(
        [("events.json", ARRIVED_TODAY, '{"group_id": 1}')], RECORDS
    )
    frames = {**sources(spark, "2018-06-28"), "events": undated}

    results, _ = source_freshness(config(), **frames)

    row = results.where("source = 'events'").first()
    assert (row["status"], row["newest_at"]) == ("FAIL", None)
    assert row["detail"].startswith("no record carries a usable `created`")


def test_thresholds_and_now_are_read_in_their_documented_forms() -> None:
    assert threshold_hours({"count": 7, "period": "day"}) == 168.0
    assert threshold_hours({"count": 90, "period": "minutes"}) == 1.5
    assert threshold_hours(None) is None
    with pytest.raises(ValueError, match="'week'"):
        threshold_hours({"count": 1, "period": "week"})
    assert reference_time("2018-07-01") == datetime(2018, 7, 1, tzinfo=timezone.utc)
    assert reference_time("2018-07-01T02:00:00+02:00") == datetime(
        2018, 7, 1, tzinfo=timezone.utc
    )
    assert reference_time(None).tzinfo == timezone.utc


# ---------------------------------------------------------------- the command


def write(path: Path, text: str, arrived: datetime) -> None:
    path.write_text(text, encoding="utf-8")
    stamp = arrived.replace(tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


def run_freshness(input_dir: Path, warehouse: Path, freshness: dict[str, Any]) -> dict:
    bootstrap_project(PROJECT_ROOT)
    params = {
        "input_dir": str(input_dir),
        "warehouse_dir": str(warehouse),
        "freshness": freshness,
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", "fresh")
        with KedroSession.create(
            project_path=PROJECT_ROOT, runtime_params=params
        ) as session:
            return session.run(pipeline_names=["freshness"])


def test_freshness_command_stores_results_then_fails_on_a_stale_source(
    spark: SparkSession, tmp_path: Path
) -> None:
    inputs, warehouse = tmp_path / "in", tmp_path / "wh"
    inputs.mkdir()
    event = json.dumps({"group_id": 1, "created": ms("2018-06-28")})
    write(inputs / "events.json", event + "\n", ARRIVED_TODAY)
    write(inputs / "groups.json", '{"group_id": 1}\n', datetime(2018, 5, 1))
    write(inputs / "users.json", '[{"user_id": 1}]', ARRIVED_TODAY)
    write(inputs / "venues.json", '{"venue_id": 1}\n', ARRIVED_TODAY)

    # Groups arrived 61 days ago: a warning, the run succeeds.
    outputs = run_freshness(inputs, warehouse, {"now": NOW})
    assert outputs["freshness.totals"].load() == {"PASS": 3, "WARN": 1, "FAIL": 0}

    # With an error threshold for groups the same input stops the run.
    stale = {"now": NOW, "sources": {"groups": {"error_after": {"count": 60}}}}
    with pytest.raises(SourcesStale, match="groups: newest file arrival"):
        run_freshness(inputs, warehouse, stale)

    history = spark.read.format("delta").load(
        str(warehouse / "workspace" / "fresh_audit" / "freshness_results")
    )
    assert sorted(
        tuple(row) for row in history.groupBy("status").count().collect()
    ) == [
        ("FAIL", 1),
        ("PASS", 6),
        ("WARN", 1),
    ]


def test_freshness_command_names_the_path_of_a_missing_source(
    spark: SparkSession, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()

    with pytest.raises(DatasetError, match="no input found") as error:
        run_freshness(tmp_path / "in", tmp_path / "wh", {"now": NOW})
    assert str(tmp_path / "in" / "events.json") in str(error.value)
