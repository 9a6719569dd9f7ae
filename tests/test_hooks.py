"""The run report: every task's time and Spark jobs, where a benchmark can read it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kedro.pipeline import Node
from pyspark.sql import SparkSession

from motors_meetup.hooks import RUN_REPORT_VARIABLE, RunReportHooks


def _identity(value: object) -> object:
    return value


def test_report_counts_the_spark_jobs_of_each_task(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    monkeypatch.setenv(RUN_REPORT_VARIABLE, str(target))
    hooks = RunReportHooks()
    first = Node(_identity, "a", "b", name="first")
    second = Node(_identity, "b", "c", name="second")

    hooks.before_pipeline_run()
    hooks.before_node_run(first)
    spark.range(3).collect()  # run inside the node
    hooks.after_node_run(first)
    hooks.before_dataset_saved("b")
    spark.range(5).collect()  # the save: a second job
    hooks.after_dataset_saved("b", first)
    hooks.before_node_run(second)
    hooks.after_node_run(second)
    hooks.after_pipeline_run()

    report = json.loads(target.read_text(encoding="utf-8"))
    tasks = report["tasks"]
    assert list(tasks) == ["first", "second"]
    assert (tasks["first"]["spark_jobs"], tasks["second"]["spark_jobs"]) == (2, 0)
    first_task = tasks["first"]
    assert first_task["total_s"] >= first_task["plan_s"] + first_task["save_s"] - 1e-6
    assert report["run_s"] >= first_task["total_s"]
