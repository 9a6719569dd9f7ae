"""Project hooks: the Spark session, contract checks on every table, run summary."""

from __future__ import annotations

import logging
import time
from typing import Any

from kedro.framework.context import KedroContext
from kedro.framework.hooks import hook_impl
from kedro.pipeline import Node
from pyspark.sql import DataFrame

from motors_meetup.contracts import check_table, contract_for
from motors_meetup.spark import build_spark_session

logger = logging.getLogger(__name__)

DEFAULT_DEPTH = "SCHEMA_AND_DATA"


class SparkHooks:
    """Make the run's one SparkSession from ``conf/<env>/spark.yml``."""

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Build the session before any dataset is loaded."""
        build_spark_session(context.config_loader["spark"])


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

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        """Read the validation switches from the run's parameters."""
        settings = context.params.get("contracts", {}) or {}
        self._depth = str(settings.get("depth", DEFAULT_DEPTH)).upper()
        self._enabled = bool(settings.get("enabled", True))

    @hook_impl
    def before_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        """Validate ``data`` if ``dataset_name`` has a contract."""
        model = contract_for(dataset_name)
        if not self._enabled or model is None or not isinstance(data, DataFrame):
            return
        started = time.perf_counter()
        self._cached[dataset_name] = data.persist()
        check_table(dataset_name, data, model, self._depth)
        logger.info(
            "Contract of %s passed (%s, %.1fs)",
            dataset_name,
            self._depth.lower(),
            time.perf_counter() - started,
        )

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        """Release the cache taken for validation."""
        cached = self._cached.pop(dataset_name, None)
        if cached is not None:
            cached.unpersist()


class RunReportHooks:
    """Log how long each node took, so a slow table is easy to spot."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._timings: dict[str, float] = {}

    @hook_impl
    def before_node_run(self, node: Node) -> None:
        """Start the node's clock."""
        self._started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node: Node) -> None:
        """Stop the node's clock."""
        started = self._started.pop(node.name, None)
        if started is not None:
            self._timings[node.name] = time.perf_counter() - started

    @hook_impl
    def after_pipeline_run(self) -> None:
        """Log the slowest nodes of the run."""
        slowest = sorted(self._timings.items(), key=lambda item: -item[1])[:5]
        if slowest:
            text = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in slowest)
            logger.info("Slowest nodes: %s", text)
