"""Project hooks: the Spark session, contract checks on every table, run summary."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.io import CatalogProtocol
from kedro.pipeline import Node
from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession

from motors_meetup.contracts import check_structure, check_table, contract_for
from motors_meetup.datasets import DeltaTableDataset, DeltaViewDataset
from motors_meetup.rebuilds import build_stamp, input_states, merge_states
from motors_meetup.spark import build_spark_session

logger = logging.getLogger(__name__)

DEFAULT_DEPTH = "SCHEMA_AND_DATA"
RUN_REPORT_VARIABLE = "MOTORS_MEETUP_RUN_REPORT"
EVENT_LOG_VARIABLE = "MOTORS_MEETUP_SPARK_EVENT_LOG"
WAREHOUSE_OPTION = "spark.sql.warehouse.dir"


class SparkHooks:
    """Make the run's one SparkSession from ``conf/<env>/spark.yml``; release each
    task's cached frames once its last output is saved.

    Every dataset between tasks is a stored table, so nothing cached by a task (a
    node caching a frame that two outputs share, a contract check) is needed after
    the task: keeping it would only hold executor memory.

    ``MOTORS_MEETUP_SPARK_EVENT_LOG=<folder>`` also writes Spark's event log there
    (uncompressed), for ``benchmarks/spark_jobs.py`` to tell Spark job time from
    driver time per task.
    """

    def __init__(self) -> None:
        self._unsaved: dict[str, int] = {}
        self._lock = threading.Lock()

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Build the session before any dataset is loaded."""
        build_spark_session(with_event_log(context.config_loader["spark"]))

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Count the outputs the task will save."""
        self._unsaved[node.name] = len(node.outputs)

    @hook_impl
    def after_dataset_saved(self, node: Node) -> None:
        """After the task's last output, and when no other task is running (a
        threaded runner runs several), drop everything cached."""
        with self._lock:
            self._unsaved[node.name] = self._unsaved.get(node.name, 1) - 1
            if self._unsaved[node.name] > 0:
                return
            del self._unsaved[node.name]
            idle = not self._unsaved
        session = SparkSession.getActiveSession()
        if idle and session is not None:
            session.catalog.clearCache()


def with_event_log(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` plus an event log, when ``MOTORS_MEETUP_SPARK_EVENT_LOG`` asks."""
    folder = os.environ.get(EVENT_LOG_VARIABLE)
    if not folder:
        return dict(options)
    Path(folder).mkdir(parents=True, exist_ok=True)
    return {
        **options,
        "spark.eventLog.enabled": True,
        "spark.eventLog.dir": Path(folder).resolve().as_uri(),
        "spark.eventLog.compress": False,
    }


class ContractHooks:
    """Check each table against its contract before it is written.

    A table that breaks its contract stops the run with :class:`ContractViolation`,
    so a broken table never reaches the next layer. The checked DataFrame is cached
    so the checks and the write compute it once.
    """

    def __init__(self) -> None:
        self._depth = DEFAULT_DEPTH
        self._enabled = True
        self._cached: dict[str, DataFrame] = {}
        self._catalog: CatalogProtocol | None = None

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Read the validation switches from the run's parameters."""
        settings = context.params.get("contracts", {}) or {}
        self._depth = str(settings.get("depth", DEFAULT_DEPTH)).upper()
        self._enabled = bool(settings.get("enabled", True))

    @hook_impl
    def after_catalog_created(self, catalog: CatalogProtocol) -> None:
        """Keep the catalog, to see which tables a save will keep as they are."""
        self._catalog = catalog

    @hook_impl
    def before_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        """Validate ``data`` if ``dataset_name`` has a contract (a table kept as it
        is was checked when it was written)."""
        model = contract_for(dataset_name)
        if not self._enabled or model is None or not isinstance(data, DataFrame):
            return
        dataset = None if self._catalog is None else self._catalog.get(dataset_name)
        if isinstance(dataset, DeltaTableDataset) and dataset.keeps_stored_table:
            return
        started = time.perf_counter()
        depth = self._depth
        if isinstance(dataset, DeltaViewDataset):
            # A view's rows are its source table's, checked when that was written
            # (a projection keeps keys unique and values present): its columns and
            # types are what remains to check, and that needs no Spark job.
            depth = "structure"
            check_structure(dataset_name, data, model)
        else:
            self._cached[dataset_name] = data.persist()
            check_table(dataset_name, data, model, depth)
        logger.info(
            "Contract of %s passed (%s, %.1fs)",
            dataset_name,
            depth.lower(),
            time.perf_counter() - started,
        )

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        """Release the cache taken for validation."""
        cached = self._cached.pop(dataset_name, None)
        if cached is not None:
            cached.unpersist()


class RebuildHooks:
    """Keep a table whose inputs, parameters and code did not change.

    Before a node runs, each of its outputs with ``rebuild: on_input_change`` gets
    the node's build stamp (:mod:`motors_meetup.rebuilds`; a merged output's leaves
    out the run's batch); the dataset compares it with the one stored at the table's
    last write and, if equal, keeps the table. The run's contract switches and Spark
    options are part of the stamp.
    """

    def __init__(self) -> None:
        self._settings: dict[str, Any] = {}

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Read the run settings that shape a table (where the session catalog
        keeps its files does not: a moved warehouse keeps its tables)."""
        spark = dict(context.config_loader["spark"])
        spark.pop(WAREHOUSE_OPTION, None)
        self._settings = {"contracts": context.params.get("contracts"), "spark": spark}

    @hook_impl
    def before_node_run(
        self, node: Node, catalog: CatalogProtocol, inputs: dict[str, Any]
    ) -> None:
        """Stamp the node's stamped outputs (a lookup of each input's newest commit)."""
        outputs = [catalog.get(name) for name in node.outputs]
        stamped = [
            dataset
            for dataset in outputs
            if isinstance(dataset, DeltaTableDataset)
            and dataset.rebuilds_on_input_change
        ]
        if not stamped:
            return
        tables = {
            name: dataset
            for name in node.inputs
            if isinstance(dataset := catalog.get(name), DeltaTableDataset)
        }
        states = input_states(node, tables)
        for dataset in stamped:
            if states is None:
                dataset.prepare_rebuild(None, {})
                continue
            own = merge_states(states) if dataset.merges else states
            stamp = build_stamp(node, own, inputs, self._settings)
            dataset.prepare_rebuild(stamp, own)


class RunReportHooks:
    """Time each task, so a slow table is easy to spot.

    Spark is lazy: a node mostly builds a plan, and the work happens when its outputs
    are saved (contract check and Delta write). A task's time therefore runs from
    ``before_node_run`` to the save of its last output, split into *plan* (the node
    function) and *save*. The run ends with the five slowest tasks in the log; with
    ``MOTORS_MEETUP_RUN_REPORT=<file>`` every task's figures, and the number of Spark
    jobs it ran, are also written to that file as JSON (the benchmark reads it).
    """

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._tasks: dict[str, dict[str, float]] = {}
        self._saving: dict[str, float] = {}
        self._run_started = time.perf_counter()

    @hook_impl
    def before_pipeline_run(self) -> None:
        """Start the run's clock."""
        self._run_started = time.perf_counter()

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Start the task's clock and tag its Spark jobs with the task name."""
        self._started[node.name] = time.perf_counter()
        self._tasks[node.name] = {"plan_s": 0.0, "save_s": 0.0, "total_s": 0.0}
        context = SparkContext._active_spark_context  # noqa: SLF001
        if context is not None:
            context.setJobGroup(node.name, node.name)

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        """The node function has returned: its plan is built."""
        started = self._started.get(node.name)
        if started is not None:
            self._tasks[node.name]["plan_s"] = time.perf_counter() - started
            self._tasks[node.name]["total_s"] = time.perf_counter() - started

    @hook_impl
    def before_dataset_saved(self, dataset_name: str) -> None:
        """Start the clock of one output's save (contract check and write)."""
        self._saving[dataset_name] = time.perf_counter()

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, node: Node) -> None:
        """Add the save to its task."""
        started = self._saving.pop(dataset_name, None)
        task = self._tasks.get(node.name)
        if started is None or task is None:
            return
        now = time.perf_counter()
        task["save_s"] += now - started
        task["total_s"] = now - self._started[node.name]

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Log the slowest tasks; write the full report if asked for."""
        context = SparkContext._active_spark_context  # noqa: SLF001
        if context is not None:
            tracker = context.statusTracker()
            for name, task in self._tasks.items():
                task["spark_jobs"] = len(tracker.getJobIdsForGroup(name))
            context.setJobGroup("", "")
        slowest = sorted(self._tasks.items(), key=lambda item: -item[1]["total_s"])[:5]
        if slowest:
            text = ", ".join(f"{name} {task['total_s']:.1f}s" for name, task in slowest)
            logger.info("Slowest tasks: %s", text)
        target = os.environ.get(RUN_REPORT_VARIABLE)
        if target:
            report = {
                "run_s": time.perf_counter() - self._run_started,
                "tasks": self._tasks,
            }
            Path(target).write_text(json.dumps(report, indent=1), encoding="utf-8")
