"""Staging pipeline: raw.* -> staging.stg_*, recomputing only what a batch touched."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.incremental import BATCH_DATASET
from motors_meetup.pipelines.staging import increments, nodes

BATCH = BATCH_DATASET


def create_pipeline(**kwargs: object) -> Pipeline:
    """One node per staging table, named after it."""
    merged = {
        "stg_events": "raw.raw_events",
        "stg_event_rsvps": "staging.stg_events",
        "stg_groups": "raw.raw_groups",
        "stg_users": "raw.raw_users",
        "stg_venues": "raw.raw_venues",
    }
    rebuilt = {
        "stg_group_topics": "raw.raw_groups",
        "stg_memberships": "raw.raw_users",
    }
    return Pipeline(
        [
            *[
                Node(
                    getattr(increments, f"{table}_increment"),
                    inputs=[source, BATCH],
                    outputs=f"staging.{table}",
                    name=table,
                )
                for table, source in merged.items()
            ],
            *[
                Node(
                    getattr(nodes, table),
                    inputs=source,
                    outputs=f"staging.{table}",
                    name=table,
                )
                for table, source in rebuilt.items()
            ],
        ],
        tags=["staging"],
    )
