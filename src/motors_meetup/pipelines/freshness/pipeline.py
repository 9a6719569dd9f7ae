"""Freshness pipeline: sources.* -> audit.freshness_results, then a verdict.

Reads the input files only (no warehouse table), so it can run first in the
production job: ``kedro run --pipeline freshness``.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.pipelines.freshness import nodes
from motors_meetup.pipelines.raw.increments import SOURCES


def create_pipeline(**kwargs: object) -> Pipeline:
    """Grade each source's newest record; then fail the run on an error."""
    return Pipeline(
        [
            Node(
                nodes.source_freshness,
                inputs={"freshness": "params:freshness"}
                | {source: f"sources.{source}" for source in SOURCES},
                # The same results twice: stored as history, and handed in memory
                # to the verdict, which Kedro runs only after both are saved.
                outputs=["audit.freshness_results", "freshness.results"],
                name="source_freshness",
            ),
            Node(
                nodes.assert_sources_fresh,
                inputs="freshness.results",
                outputs="freshness.totals",
                name="assert_sources_fresh",
            ),
        ],
        tags=["freshness"],
    )
