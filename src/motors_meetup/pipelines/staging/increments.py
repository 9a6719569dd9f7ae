"""Staging nodes as run in a batch: recompute only what the batch touched.

* events: every version of each event the batch delivered a version of (versions may
  span batches) is re-merged into one row;
* RSVPs: the answers of those events (an event's answers only ever grow);
* groups, users, venues: the entities the batch delivered;
* topics and memberships are rebuilt from the raw table: a re-delivered group or
  user can drop children, which a key MERGE would never delete.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from motors_meetup.columns import surrogate_key
from motors_meetup.incremental import changed, stamp
from motors_meetup.pipelines.staging import nodes


def _event_id(raw_events: DataFrame) -> F.Column:
    return surrogate_key(
        *nodes.event_identity(raw_events), F.lit(nodes.EVENT_ID_VERSION_SUFFIX)
    )


def stg_events_increment(raw_events: DataFrame, batch: DataFrame) -> DataFrame:
    """Events the batch delivered a version of; key ``event_id``."""
    keyed = raw_events.withColumn("_event_id", _event_id(raw_events))
    touched = changed(keyed, batch).select("_event_id").distinct()
    versions = keyed.join(touched, "_event_id", "left_semi").drop("_event_id")
    return stamp(nodes.stg_events(versions), batch)


def stg_event_rsvps_increment(stg_events: DataFrame, batch: DataFrame) -> DataFrame:
    """Latest answers on the events changed in this batch; key ``user_event_key``."""
    events = changed(stg_events, batch).drop("_batch_id")
    return stamp(nodes.stg_event_rsvps(events), batch)


def stg_groups_increment(raw_groups: DataFrame, batch: DataFrame) -> DataFrame:
    """Groups delivered in this batch; key ``group_id``."""
    return stamp(nodes.stg_groups(changed(raw_groups, batch)), batch)


def stg_users_increment(raw_users: DataFrame, batch: DataFrame) -> DataFrame:
    """Users delivered in this batch; key ``user_id``."""
    return stamp(nodes.stg_users(changed(raw_users, batch)), batch)


def stg_venues_increment(raw_venues: DataFrame, batch: DataFrame) -> DataFrame:
    """Venues delivered in this batch; key ``venue_id``."""
    return stamp(nodes.stg_venues(changed(raw_venues, batch)), batch)
