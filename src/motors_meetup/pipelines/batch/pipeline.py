"""Batch bookkeeping: record the run's input files once every layer is written."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.incremental import BATCH_DATASET, close_batch
from motors_meetup.pipelines.raw.increments import SOURCES

# The batch is closed only after the last layer is written, so a run that dies
# earlier leaves its files unrecorded and the rerun processes them again.
LAST_LAYER_OUTPUTS = [
    "pbi.pbi_dim_date",
    "pbi.pbi_dim_events",
    "pbi.pbi_dim_groups",
    "pbi.pbi_dim_users",
    "pbi.pbi_dim_venues",
    "pbi.pbi_fact_events",
    "pbi.pbi_fact_group_activity",
    "pbi.pbi_fact_group_memberships",
    "pbi.pbi_fact_rsvps",
    "pbi.pbi_fact_venue_activity",
]


def create_pipeline(**kwargs: object) -> Pipeline:
    """The closing node of a full run."""
    raw_tables = [
        name
        for source in SOURCES
        for name in (f"raw.raw_{source}", f"raw.{source}_rejected")
    ]
    return Pipeline(
        [
            Node(
                close_batch,
                inputs=[BATCH_DATASET, *raw_tables, *LAST_LAYER_OUTPUTS],
                outputs="audit.processed_files_log",
                name="close_batch",
            )
        ],
        tags=["batch"],
    )
