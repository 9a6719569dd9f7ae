"""Data tests pipeline: every stored table -> audit.data_test_results, then a verdict.

Runs against the warehouse as stored (it writes no warehouse table):
``kedro run --pipeline data_tests``. The tables tested are every table the warehouse
pipelines write, found from those pipelines, so a new table is tested without
changing this file.
"""

from __future__ import annotations

from importlib import import_module

from kedro.pipeline import Node, Pipeline

from motors_meetup.contracts.registry import LAYERS
from motors_meetup.pipelines.data_tests import nodes


def stored_tables() -> list[str]:
    """Every ``<layer>.<table>`` the warehouse layer pipelines write, layer by layer."""
    tables: list[str] = []
    for layer in LAYERS:
        module = import_module(f"motors_meetup.pipelines.{layer}.pipeline")
        outputs = module.create_pipeline().all_outputs()
        tables += sorted(name for name in outputs if name.startswith(f"{layer}."))
    return tables


def create_pipeline(**kwargs: object) -> Pipeline:
    """Run the checks and save their results; then fail the run on any FAIL."""
    tables = stored_tables()
    return Pipeline(
        [
            Node(
                nodes.data_test_results,
                inputs={"data_tests": "params:data_tests"}
                | {name: name for name in tables},
                # The same results twice: stored as history, and handed in memory
                # to the verdict, which Kedro runs only after both are saved.
                outputs=["audit.data_test_results", "data_tests.results"],
                name="data_test_results",
            ),
            Node(
                nodes.assert_no_failures,
                inputs="data_tests.results",
                outputs="data_tests.totals",
                name="assert_no_failures",
            ),
        ],
        tags=["data_tests"],
    )
