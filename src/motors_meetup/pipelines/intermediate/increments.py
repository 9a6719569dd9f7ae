"""Intermediate nodes as run in a batch: recompute only what a batch touched.

* events with venues: events changed in the batch, and every event at a venue the
  batch changed (a renamed venue renames it on all its events);
* RSVPs: answers changed in the batch, and every answer on a changed event or by a
  changed user (event and user attributes are copied onto each answer);
* memberships are rebuilt: a re-delivered user can drop a membership.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from motors_meetup.incremental import changed, changed_or_linked, stamp
from motors_meetup.pipelines.intermediate import nodes


def int_events_with_venues_increment(
    stg_events: DataFrame, stg_venues: DataFrame, batch: DataFrame
) -> DataFrame:
    """Events changed directly or through their venue; key ``event_sk``."""
    moved_venues = changed(stg_venues, batch).select("venue_id")
    events = changed_or_linked(stg_events, batch, venue_id=moved_venues)
    return stamp(
        nodes.int_events_with_venues(events.drop("_batch_id"), stg_venues), batch
    )


def int_event_rsvps_increment(
    stg_event_rsvps: DataFrame,
    stg_events: DataFrame,
    stg_users: DataFrame,
    batch: DataFrame,
) -> DataFrame:
    """Answers changed directly, or through their event or user; key ``rsvp_sk``."""
    answers = changed_or_linked(
        stg_event_rsvps,
        batch,
        event_id=changed(stg_events, batch).select("event_id"),
        user_id=changed(stg_users, batch).select("user_id"),
    )
    return stamp(
        nodes.int_event_rsvps(answers.drop("_batch_id"), stg_events, stg_users), batch
    )
