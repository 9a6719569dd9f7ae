"""Staging pipeline: raw.* -> staging.stg_*."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.pipelines.staging import nodes

TABLES = {
    "stg_events": "raw.raw_events",
    "stg_event_rsvps": "staging.stg_events",
    "stg_groups": "raw.raw_groups",
    "stg_group_topics": "raw.raw_groups",
    "stg_users": "raw.raw_users",
    "stg_memberships": "raw.raw_users",
    "stg_venues": "raw.raw_venues",
}


def create_pipeline(**kwargs: object) -> Pipeline:
    """One node per staging table, named after it."""
    return Pipeline(
        [
            Node(
                getattr(nodes, table),
                inputs=source,
                outputs=f"staging.{table}",
                name=table,
                tags=["staging"],
            )
            for table, source in TABLES.items()
        ]
    )
