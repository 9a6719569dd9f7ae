"""Contracts of the staging layer: cleaned, flattened, one row per entity."""

import pandera.pyspark as pa
from pyspark.sql import types as T

from motors_meetup.contracts.fields import (
    batch_id_field,
    event_status_field,
    identifier_field,
    latitude_field,
    longitude_field,
    md5_field,
    non_negative_field,
    response_field,
)
from motors_meetup.pipelines.raw.schemas import RSVP_STRUCT

# A cleaned description (DESIGN §6, text_cleaning.py): non-empty paragraphs joined
# by single line feeds; inside a paragraph words are separated by exactly one
# U+0020 and no other whitespace is left (text_cleaning's whitespace set: Unicode
# spaces plus U+200B and U+FEFF). Written for Java's regex (Spark's rlike), which
# knows no Unicode \s; "(?![\s\S])" is end of input ($ would allow a final "\n").
_WHITESPACE = (
    r"\t\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f"
    r"\u205f\u3000\ufeff"
)
_WORD = rf"[^{_WHITESPACE}\n]+"
_PARAGRAPH = rf"{_WORD}(?: {_WORD})*"
CLEAN_TEXT_PATTERN = rf"^{_PARAGRAPH}(?:\n{_PARAGRAPH})*(?![\s\S])"


class StgEvents(pa.DataFrameModel):
    """One row per event (its versions merged); key ``event_id``."""

    group_id: T.StringType() = pa.Field(
        description="Id of the group hosting the event; may name a group absent "
        "from stg_groups (an inferred group downstream)."
    )
    event_name: T.StringType() = pa.Field(
        nullable=True, description="Event title (from the latest version)."
    )
    event_description_clean: T.StringType() = pa.Field(
        str_matches=CLEAN_TEXT_PATTERN,
        nullable=True,
        description="Plain-text description: script/style dropped, tags removed, "
        "HTML entities decoded once, whitespace collapsed, repeated paragraphs "
        "dropped, paragraphs joined by newlines; null when no text remains.",
    )
    event_created_at: T.TimestampType() = pa.Field(
        description="Creation time of the latest version (UTC, whole seconds)."
    )
    event_start_time: T.TimestampType() = pa.Field(
        nullable=True,
        description="Scheduled start (UTC, whole seconds); null when the export "
        "has no time.",
    )
    event_duration_seconds: T.LongType() = non_negative_field(
        "Planned duration in whole seconds.", nullable=True
    )
    rsvp_limit: T.IntegerType() = non_negative_field(
        "Maximum number of 'yes' answers; null when not set (0 is treated as no "
        "limit downstream).",
        nullable=True,
    )
    venue_id: T.StringType() = pa.Field(
        nullable=True,
        description="Id of the event's venue; null when it has none; may name a "
        "venue absent from stg_venues.",
    )
    event_status: T.StringType() = event_status_field(
        "Status of the latest version: past, upcoming, cancelled, proposed or "
        "suggested."
    )
    event_id: T.StringType() = md5_field(
        "Event key: sk(group_id or 'gid_null', event_name or 'ename_null', start "
        "time as text or 'etime_null', raw description or 'edesc_null', '1'), the "
        "dbt project's id of an event's first copy."
    )
    event_id_clean: T.StringType() = identifier_field(
        "event_id with every character outside [A-Za-z0-9_] replaced by '_' (safe "
        "in identifiers and file names)."
    )
    event_partition_date: T.DateType() = pa.Field(
        nullable=True,
        description="UTC date of event_start_time; null when the start is unknown.",
    )
    rsvps: T.ArrayType(RSVP_STRUCT, True) = pa.Field(
        description="All versions' RSVP arrays combined, oldest version first, an "
        "element identical to an earlier one not repeated (user_id, response, "
        "`when` in epoch ms, guests); empty when the event has no answers."
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["event_id"]
        name = "stg_events"
        description = (
            "One row per event, its duplicate and re-versioned records merged; "
            "key event_id."
        )
        metadata = {
            "grain": "one row per event",
            "key": ["event_id"],
            "relationships": {},
        }


class StgEventRsvps(pa.DataFrameModel):
    """One row per (event, user): the user's latest answer; key ``user_event_key``."""

    event_id: T.StringType() = md5_field("Key of the event answered (stg_events).")
    event_id_clean: T.StringType() = identifier_field(
        "The event's event_id_clean (identifier-safe event_id)."
    )
    user_id: T.StringType() = pa.Field(
        description="Id of the member who answered; may name a user absent from "
        "stg_users (an inferred user downstream)."
    )
    rsvp_response: T.StringType() = response_field(
        "The user's latest answer: yes, no or waitlist."
    )
    rsvp_last_modified_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the latest answer was given (RSVP `when`, UTC, whole "
        "seconds); null when the export has no time.",
    )
    rsvp_guests: T.IntegerType() = non_negative_field(
        "Guests the user brings along with the latest answer; null when not given.",
        nullable=True,
    )
    user_event_key: T.StringType() = md5_field("Answer key: sk(event_id, user_id).")
    event_created_at: T.TimestampType() = pa.Field(
        description="Creation time of the answered event (its latest version), "
        "carried from stg_events (the dbt project's incremental watermark)."
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["user_event_key"]
        name = "stg_event_rsvps"
        description = (
            "One row per (event, user) holding the user's latest answer; key "
            "user_event_key."
        )
        metadata = {
            "grain": "one row per event and user",
            "key": ["user_event_key"],
            "relationships": {"event_id": "staging.stg_events.event_id"},
        }


class StgGroups(pa.DataFrameModel):
    """One row per group; key ``group_id``."""

    group_id: T.StringType() = pa.Field(description="Meetup group id, as text.")
    group_name: T.StringType() = pa.Field(description="Group name.")
    city: T.StringType() = pa.Field(
        nullable=True, description="City the group is based in."
    )
    lat: T.DoubleType() = latitude_field("Latitude of the group's location.")
    lon: T.DoubleType() = longitude_field("Longitude of the group's location.")
    created_at: T.TimestampType() = pa.Field(
        description="When the group was founded (UTC, whole seconds)."
    )
    group_description: T.StringType() = pa.Field(
        nullable=True, description="Group description as exported (HTML)."
    )
    group_link: T.StringType() = pa.Field(
        nullable=True, description="URL of the group's Meetup page."
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["group_id"]
        name = "stg_groups"
        description = "One row per group in the groups export; key group_id."
        metadata = {
            "grain": "one row per group",
            "key": ["group_id"],
            "relationships": {},
        }


class StgGroupTopics(pa.DataFrameModel):
    """One row per (group, topic), repeats removed; key ``topic_key``."""

    group_id: T.StringType() = pa.Field(description="Id of the group tagged.")
    topic: T.StringType() = pa.Field(description="Topic name, as exported.")
    topic_key: T.StringType() = md5_field("Tag key: sk(group_id, topic).")

    class Config:
        strict = True
        unique = ["topic_key"]
        name = "stg_group_topics"
        description = (
            "One row per distinct (group, topic) pair of the groups export; key "
            "topic_key."
        )
        metadata = {
            "grain": "one row per group and topic",
            "key": ["topic_key"],
            "relationships": {"group_id": "staging.stg_groups.group_id"},
        }


class StgUsers(pa.DataFrameModel):
    """One row per user; key ``user_id``."""

    user_id: T.StringType() = pa.Field(description="Meetup member id, as text.")
    city: T.StringType() = pa.Field(nullable=True, description="User's city.")
    country: T.StringType() = pa.Field(
        nullable=True, description="User's country as exported."
    )
    hometown: T.StringType() = pa.Field(
        nullable=True, description="Hometown the user entered in their profile."
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["user_id"]
        name = "stg_users"
        description = "One row per user in the users export; key user_id."
        metadata = {
            "grain": "one row per user",
            "key": ["user_id"],
            "relationships": {},
        }


class StgMemberships(pa.DataFrameModel):
    """One row per (user, group): the latest join; key ``membership_key``."""

    user_id: T.StringType() = pa.Field(description="Id of the member.")
    group_id: T.StringType() = pa.Field(
        description="Id of the group joined; may name a group absent from "
        "stg_groups (an inferred group downstream)."
    )
    joined_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="Latest join time of the user to the group (`joined`, UTC, "
        "whole seconds); null when the export has none.",
    )
    membership_key: T.StringType() = md5_field("Membership key: sk(user_id, group_id).")

    class Config:
        strict = True
        unique = ["membership_key"]
        name = "stg_memberships"
        description = (
            "One row per (user, group) membership with the latest join time; key "
            "membership_key."
        )
        metadata = {
            "grain": "one row per user and group",
            "key": ["membership_key"],
            "relationships": {"user_id": "staging.stg_users.user_id"},
        }


class StgVenues(pa.DataFrameModel):
    """One row per venue; key ``venue_id``."""

    venue_id: T.StringType() = pa.Field(description="Meetup venue id, as text.")
    venue_name: T.StringType() = pa.Field(nullable=True, description="Venue name.")
    city: T.StringType() = pa.Field(nullable=True, description="City the venue is in.")
    country: T.StringType() = pa.Field(
        nullable=True, description="Country the venue is in."
    )
    lat: T.DoubleType() = latitude_field("Latitude of the venue.")
    lon: T.DoubleType() = longitude_field("Longitude of the venue.")
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["venue_id"]
        name = "stg_venues"
        description = "One row per venue in the venues export; key venue_id."
        metadata = {
            "grain": "one row per venue",
            "key": ["venue_id"],
            "relationships": {},
        }


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "stg_events": StgEvents,
    "stg_event_rsvps": StgEventRsvps,
    "stg_groups": StgGroups,
    "stg_group_topics": StgGroupTopics,
    "stg_users": StgUsers,
    "stg_memberships": StgMemberships,
    "stg_venues": StgVenues,
}
