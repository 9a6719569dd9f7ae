"""Intermediate nodes as run in a batch: recompute only what a batch touched.

* events with venues: events changed in the batch, and every event at a venue the
  batch changed (a renamed venue renames it on all its events);
* RSVPs: answers changed in the batch, and every answer on a changed event or by a
  changed user (event and user attributes are copied onto each answer);
* memberships are rebuilt: a re-delivered user can drop a membership.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from motors_meetup.incremental import changed, keys_of, stamp
from motors_meetup.pipelines.intermediate import nodes


def int_events_with_venues_increment(
    stg_events: DataFrame, stg_venues: DataFrame, batch: DataFrame
) -> DataFrame:
    """Events changed directly or through their venue; key ``event_sk``."""
    moved_venues = changed(stg_venues, batch).select("venue_id")
    touched = keys_of(
        changed(stg_events, batch).select("event_id"),
        stg_events.join(moved_venues, "venue_id", "left_semi").select("event_id"),
    )
    events = stg_events.join(touched, "event_id", "left_semi").drop("_batch_id")
    return stamp(nodes.int_events_with_venues(events, stg_venues), batch)


def int_event_rsvps_increment(
    stg_event_rsvps: DataFrame,
    stg_events: DataFrame,
    stg_users: DataFrame,
    batch: DataFrame,
) -> DataFrame:
    """Answers changed directly, or through their event or user; key ``rsvp_sk``."""
    touched_events = changed(stg_events, batch).select("event_id")
    touched_users = changed(stg_users, batch).select("user_id")
    touched = keys_of(
        changed(stg_event_rsvps, batch).select("user_event_key"),
        stg_event_rsvps.join(touched_events, "event_id", "left_semi").select(
            "user_event_key"
        ),
        stg_event_rsvps.join(touched_users, "user_id", "left_semi").select(
            "user_event_key"
        ),
    )
    answers = stg_event_rsvps.join(touched, "user_event_key", "left_semi")
    return stamp(
        nodes.int_event_rsvps(answers.drop("_batch_id"), stg_events, stg_users), batch
    )
