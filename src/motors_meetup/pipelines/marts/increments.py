"""Mart nodes as run in a batch, for the marts that grow with every delivery.

Events and RSVPs are the warehouse's large tables, and a delivery touches few of
them, so their marts are MERGEd like the layers before (measured: rebuilding them
made an incremental run cost as much as the marts of a full refresh):

* ``dim_events``: the events ``int_events_with_venues`` changed in the batch;
* ``fact_rsvps``: the answers ``int_event_rsvps`` changed, and every answer on an
  event whose ``dim_events`` row changed (the status flags and venue are copied);
* ``fact_event_attendance``: the events whose ``dim_events`` row or any of whose
  answers changed (their counts are recomputed from all their answers).

The other marts are rebuilt: they are small (groups, users, venues, days) or depend
on ``as_of_date`` on every row (membership age, group age), so a run on a later day
changes all their rows anyway.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame

from motors_meetup.incremental import changed, changed_or_linked, keys_of, stamp
from motors_meetup.pipelines.marts import nodes


def dim_events_increment(
    int_events_with_venues: DataFrame, batch: DataFrame
) -> DataFrame:
    """Events changed in the batch; one row per event, key ``event_sk``."""
    return stamp(nodes.dim_events(changed(int_events_with_venues, batch)), batch)


def fact_rsvps_increment(
    int_event_rsvps: DataFrame,
    dim_events: DataFrame,
    thresholds: dict[str, Any],
    batch: DataFrame,
) -> DataFrame:
    """Answers changed directly or through their event; one row per latest RSVP of
    a user to an event, key ``rsvp_sk``."""
    moved_events = changed(dim_events, batch).select("event_sk")
    answers = changed_or_linked(int_event_rsvps, batch, event_sk=moved_events)
    return stamp(nodes.fact_rsvps(answers, dim_events, thresholds), batch)


def fact_event_attendance_increment(
    dim_events: DataFrame, fact_rsvps: DataFrame, batch: DataFrame
) -> DataFrame:
    """Events whose row or answers changed; one row per event, key ``event_sk``."""
    touched = keys_of(
        changed(dim_events, batch).select("event_sk"),
        changed(fact_rsvps, batch).select("event_sk"),
    )
    return stamp(
        nodes.fact_event_attendance(
            dim_events.join(touched, "event_sk", "left_semi"),
            fact_rsvps.join(touched, "event_sk", "left_semi"),
        ),
        batch,
    )
