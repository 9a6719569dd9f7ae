"""Intermediate pipeline: staging.* -> intermediate.int_*."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.incremental import BATCH_DATASET
from motors_meetup.pipelines.intermediate import increments, nodes

BATCH = BATCH_DATASET


def create_pipeline(**kwargs: object) -> Pipeline:
    """One node per intermediate table, named after it."""
    return Pipeline(
        [
            Node(
                increments.int_events_with_venues_increment,
                inputs=["staging.stg_events", "staging.stg_venues", BATCH],
                outputs="intermediate.int_events_with_venues",
                name="int_events_with_venues",
            ),
            Node(
                increments.int_event_rsvps_increment,
                inputs=[
                    "staging.stg_event_rsvps",
                    "staging.stg_events",
                    "staging.stg_users",
                    BATCH,
                ],
                outputs="intermediate.int_event_rsvps",
                name="int_event_rsvps",
            ),
            Node(
                nodes.int_user_memberships_with_groups,
                inputs=[
                    "staging.stg_memberships",
                    "staging.stg_users",
                    "staging.stg_groups",
                    "params:thresholds",
                ],
                outputs="intermediate.int_user_memberships_with_groups",
                name="int_user_memberships_with_groups",
            ),
        ],
        tags=["intermediate"],
    )
