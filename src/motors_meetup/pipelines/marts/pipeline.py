"""Marts pipeline: staging.* and intermediate.int_* -> marts.dim_* and marts.fact_*."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.incremental import BATCH_DATASET
from motors_meetup.pipelines.marts import increments, nodes

BATCH = BATCH_DATASET
EVENTS = "intermediate.int_events_with_venues"
RSVPS = "intermediate.int_event_rsvps"
MEMBERSHIPS = "intermediate.int_user_memberships_with_groups"
AS_OF_DATE = "params:as_of_date"
THRESHOLDS = "params:thresholds"


def create_pipeline(**kwargs: object) -> Pipeline:
    """One node per mart table, named after it; the merged marts (see
    ``increments``) run their batch form."""
    tables = {
        "dim_date": ["staging.stg_events"],
        "dim_events": [EVENTS, BATCH],
        "dim_groups": [
            "staging.stg_groups",
            MEMBERSHIPS,
            EVENTS,
            AS_OF_DATE,
            THRESHOLDS,
        ],
        "dim_users": ["staging.stg_users", MEMBERSHIPS, RSVPS, THRESHOLDS],
        "dim_venues": ["staging.stg_venues", EVENTS, THRESHOLDS],
        "fact_rsvps": [RSVPS, "marts.dim_events", THRESHOLDS, BATCH],
        "fact_event_attendance": ["marts.dim_events", "marts.fact_rsvps", BATCH],
        "fact_group_activity": [MEMBERSHIPS],
        "fact_group_memberships": [MEMBERSHIPS, AS_OF_DATE],
        "fact_venue_activity": [EVENTS],
    }
    return Pipeline(
        [
            Node(
                getattr(increments, f"{table}_increment", None)
                or getattr(nodes, table),
                inputs=inputs,
                outputs=f"marts.{table}",
                name=table,
                tags=["marts"],
            )
            for table, inputs in tables.items()
        ]
    )
