"""Raw pipeline: sources.<source> -> raw.raw_<source> (+ raw.<source>_rejected).

The first node opens the run's batch (see ``motors_meetup.incremental``).
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.incremental import BATCH_DATASET, open_batch
from motors_meetup.pipelines.raw import increments
from motors_meetup.pipelines.raw.increments import SOURCES


def create_pipeline(**kwargs: object) -> Pipeline:
    """Open the batch, type every source, quarantine bad records, report."""
    batch = Node(
        open_batch,
        inputs=["audit.processed_files", "params:full_refresh"],
        outputs=BATCH_DATASET,
        name="open_batch",
    )
    typing_nodes = [
        Node(
            increments.increment_node(source),
            inputs=[
                f"sources.{source}",
                "audit.processed_files",
                BATCH_DATASET,
                "params:full_refresh",
                "params:raw",
            ],
            outputs=[f"raw.raw_{source}", f"raw.{source}_rejected"],
            name=f"raw_{source}",
        )
        for source in SOURCES
    ]
    report = Node(
        increments.raw_load_report_increment,
        inputs=[
            BATCH_DATASET,
            "audit.processed_files",
            "params:full_refresh",
            *[
                name
                for source in SOURCES
                for name in (
                    f"sources.{source}",
                    f"raw.raw_{source}",
                    f"raw.{source}_rejected",
                )
            ],
        ],
        outputs="raw.raw_load_report",
        name="raw_load_report",
    )
    return Pipeline([batch, *typing_nodes, report], tags=["raw"])
