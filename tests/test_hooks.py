"""The run report: every task's time and Spark jobs, where a benchmark can read it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from benchmark_scripts import load_benchmark
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node
from pyspark.sql import SparkSession

from motors_meetup.contracts import ContractViolation
from motors_meetup.datasets import DeltaTableDataset
from motors_meetup.hooks import (
    EVENT_LOG_VARIABLE,
    RUN_REPORT_VARIABLE,
    ContractHooks,
    RebuildHooks,
    RunReportHooks,
    with_event_log,
)
from motors_meetup.incremental import BATCH_DATASET


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


def test_event_log_is_added_only_when_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = {"spark.master": "local[2]"}
    monkeypatch.delenv(EVENT_LOG_VARIABLE, raising=False)
    assert with_event_log(options) == options

    monkeypatch.setenv(EVENT_LOG_VARIABLE, str(tmp_path / "events"))
    assert with_event_log(options) == {
        "spark.master": "local[2]",
        "spark.eventLog.enabled": True,
        "spark.eventLog.dir": (tmp_path / "events").as_uri(),
        "spark.eventLog.compress": False,
    }
    assert (tmp_path / "events").is_dir()


def test_spark_jobs_splits_task_time_into_job_and_driver_seconds(
    tmp_path: Path,
) -> None:
    spark_jobs = load_benchmark("spark_jobs")

    def start(job: int, group: str, at: int, description: str = "") -> dict:
        return {
            "Event": "SparkListenerJobStart",
            "Job ID": job,
            "Submission Time": at,
            "Properties": {
                "spark.jobGroup.id": group,
                "spark.job.description": description,
            },
        }

    def end(job: int, at: int) -> dict:
        return {"Event": "SparkListenerJobEnd", "Job ID": job, "Completion Time": at}

    events = [
        start(0, "stg_users", 1_000),
        end(0, 1_500),
        {"Event": "SparkListenerStageCompleted", "Stage Info": {}},
        start(1, "stg_users", 2_000, "stg_users - MERGE operation - scanning files"),
        end(1, 3_250),
        start(2, "dim_date", 4_000),
        end(2, 4_100),
    ]
    log = tmp_path / "app-1" / "events_1_app-1"
    log.parent.mkdir()
    log.write_text("\n".join(json.dumps(event) for event in events) + "\n")

    jobs = spark_jobs.jobs_by_task(tmp_path)

    assert {name: (t.jobs, t.seconds, t.merge_jobs) for name, t in jobs.items()} == {
        "stg_users": (2, 1.75, 1),
        "dim_date": (1, 0.1, 0),
    }
    report = {"tasks": {"stg_users": {"total_s": 3.0}, "dim_date": {"total_s": 0.5}}}
    table = spark_jobs.render(report, jobs).splitlines()
    assert table[1].split() == ["stg_users", "3.0", "1.8", "1.2", "2", "1"]
    assert table[-1].split() == ["all", "tasks", "3.5", "1.9", "1.6", "3", "1"]


# ---- rebuilt tables kept when nothing they are built from changed ---------------


def _table(root: Path, schema: str, **options: str) -> DeltaTableDataset:
    location = {"catalog": "workspace", "warehouse_dir": str(root)}
    return DeltaTableDataset(table="t", schema=schema, **location, **options)


def _first(value: object, other: object) -> object:
    """A two-input node that returns its first input."""
    return value


def test_a_rebuilt_output_is_kept_until_an_input_or_parameter_changes(
    spark: SparkSession, tmp_path: Path
) -> None:
    source = _table(tmp_path, "test_hooks_source")
    output = _table(tmp_path, "test_hooks_output", rebuild="on_input_change")
    catalog = DataCatalog(
        {"src": source, "out": output, "params:day": MemoryDataset("2018-06-30")}
    )
    node = Node(_first, ["src", "params:day"], "out", name="out")
    hooks = RebuildHooks()

    def run(day: str) -> bool:
        hooks.before_node_run(node, catalog, {"src": None, "params:day": day})
        kept = output.keeps_stored_table
        output.save(source.load())
        return kept

    source.save(spark.createDataFrame([("Ada",)], "name string"))
    assert run("2018-06-30") is False  # first build
    assert run("2018-06-30") is True
    assert run("2018-07-01") is False  # a parameter changed
    source.save(spark.createDataFrame([("Grace",)], "name string"))
    assert run("2018-07-01") is False  # an input table has a new version
    assert run("2018-07-01") is True
    assert [row.name for row in output.load().collect()] == ["Grace"]
    assert output.version() == 2

    # The input dropped and created again, twice: the second time its version is
    # the one the output was built from (0), but not its commit time.
    for name in ("Linus", "Mary"):
        shutil.rmtree(str(source.location.path))
        source.save(spark.createDataFrame([(name,)], "name string"))
        assert source.version() == 0
        assert run("2018-07-01") is False
    assert [row.name for row in output.load().collect()] == ["Mary"]


def test_a_merged_output_is_kept_while_only_the_run_batch_changes(
    spark: SparkSession, tmp_path: Path
) -> None:
    source = _table(tmp_path, "test_hooks_merge_source")
    batch = _table(tmp_path, "test_hooks_merge_batch")
    output = _table(
        tmp_path,
        "test_hooks_merge_output",
        write_mode="merge",
        primary_key=["id"],
        rebuild="on_input_change",
    )
    catalog = DataCatalog({"src": source, BATCH_DATASET: batch, "out": output})
    node = Node(_first, ["src", BATCH_DATASET], "out", name="out")
    hooks = RebuildHooks()

    def run(number: int) -> bool:
        """A run: a new batch, then the node's MERGE of the source's rows."""
        batch.save(spark.createDataFrame([(number,)], "batch_id long"))
        hooks.before_node_run(node, catalog, {})
        kept = output.keeps_stored_table
        output.save(source.load())
        return kept

    source.save(spark.createDataFrame([(1, "Ada")], "id int, name string"))
    assert [run(1), run(2), run(3)] == [False, True, True]
    assert output.version() == 0
    source.save(spark.createDataFrame([(1, "Ada L.")], "id int, name string"))
    assert [run(4), run(5)] == [False, True]  # an input moved on: merged, once
    assert (output.version(), [tuple(r) for r in output.load().collect()]) == (
        1,
        [(1, "Ada L.")],
    )


def test_an_empty_increment_stores_the_stamp_and_keeps_the_tables_built_from_it(
    spark: SparkSession, tmp_path: Path
) -> None:
    source = _table(tmp_path, "test_hooks_empty_source")
    merged = _table(
        tmp_path,
        "test_hooks_empty_merged",
        write_mode="merge",
        primary_key=["id"],
        rebuild="on_input_change",
    )
    rebuilt = _table(tmp_path, "test_hooks_empty_rebuilt", rebuild="on_input_change")
    catalog = DataCatalog({"src": source, "mid": merged, "out": rebuilt})
    merge_node = Node(_identity, "src", "mid", name="mid")
    rebuild_node = Node(_identity, "mid", "out", name="out")
    hooks = RebuildHooks()
    schema = "id int, name string"

    def run(increment: list[tuple]) -> list[bool]:
        """A run: MERGE ``increment``, then rebuild from the merged table; which of
        the two were kept."""
        hooks.before_node_run(merge_node, catalog, {})
        kept = [merged.keeps_stored_table]
        merged.save(spark.createDataFrame(increment, schema))
        hooks.before_node_run(rebuild_node, catalog, {})
        kept.append(rebuilt.keeps_stored_table)
        rebuilt.save(merged.load())
        return kept

    source.save(spark.createDataFrame([(1, "Ada")], schema))
    assert run([(1, "Ada")]) == [False, False]
    # The source gets a commit that brings the merged table no row.
    source.save(spark.createDataFrame([(1, "Ada")], schema))
    assert run([]) == [False, True]  # a commit without data; the rebuild kept
    assert run([]) == [True, True]  # the new stamp matches: nothing computed
    assert (merged.version(), rebuilt.version()) == (1, 0)


def test_an_output_built_from_a_non_table_input_is_always_rebuilt(
    spark: SparkSession, tmp_path: Path
) -> None:
    output = _table(tmp_path, "test_hooks_memory", rebuild="on_input_change")
    catalog = DataCatalog({"src": MemoryDataset(), "out": output})
    node = Node(_identity, "src", "out", name="out")
    hooks = RebuildHooks()
    for _ in range(2):
        hooks.before_node_run(node, catalog, {"src": None})
        assert not output.keeps_stored_table
        output.save(spark.createDataFrame([("Ada",)], "name string"))
    assert output.version() == 1


def test_the_contract_of_a_kept_table_is_not_checked_again(
    spark: SparkSession, tmp_path: Path
) -> None:
    # Rows that break dim_venues' contract: only a table that is written is checked.
    broken = spark.createDataFrame([("x",)], "venue_sk string")
    venues = _table(tmp_path, "test_hooks_contract", rebuild="on_input_change")
    hooks = ContractHooks()
    hooks.after_catalog_created(DataCatalog({"marts.dim_venues": venues}))
    node = Node(_identity, "a", "marts.dim_venues", name="dim_venues")

    with pytest.raises(ContractViolation, match="dim_venues"):
        hooks.before_dataset_saved("marts.dim_venues", broken, node)
    venues.prepare_rebuild("stamp", {})
    venues.save(broken)
    assert venues.prepare_rebuild("stamp", {}) is True
    hooks.before_dataset_saved("marts.dim_venues", broken, node)


def test_the_stamp_settings_are_the_contracts_and_spark_options_but_locations() -> None:
    def settings(warehouse: str, ansi: bool) -> dict:
        hooks = RebuildHooks()
        spark = {"spark.sql.ansi.enabled": ansi, "spark.sql.warehouse.dir": warehouse}
        context = SimpleNamespace(
            params={"contracts": {"enabled": True}}, config_loader={"spark": spark}
        )
        hooks.after_context_created(context)
        return hooks._settings  # noqa: SLF001

    assert settings("/a/spark-warehouse", True) == {
        "contracts": {"enabled": True},
        "spark": {"spark.sql.ansi.enabled": True},
    }
    assert settings("/b/spark-warehouse", True) == settings("/a/spark-warehouse", True)
    assert settings("/a/spark-warehouse", False) != settings("/a/spark-warehouse", True)
