"""Contracts of the intermediate layer: business logic, surrogate keys, versions."""

import pandera.pyspark as pa
from pyspark.sql import types as T

from motors_meetup.contracts.fields import (
    batch_id_field,
    event_status_field,
    flag_field,
    identifier_field,
    latitude_field,
    longitude_field,
    md5_field,
    non_negative_field,
    response_field,
    version_number_field,
)
from motors_meetup.pipelines.staging.schemas import CLEAN_TEXT_PATTERN


class IntEventsWithVenues(pa.DataFrameModel):
    """One row per event with its venue's attributes; key ``event_sk``."""

    event_sk: T.StringType() = md5_field("Event key, equal to event_id.")
    venue_sk: T.StringType() = md5_field(
        "Venue key sk(venue_id) whenever the event names a venue, known or not; "
        "null for events without a venue.",
        nullable=True,
    )
    event_id: T.StringType() = md5_field("The event's id in stg_events.")
    group_id: T.StringType() = pa.Field(
        description="Id of the group hosting the event; may name a group absent "
        "from stg_groups."
    )
    event_name: T.StringType() = pa.Field(nullable=True, description="Event title.")
    event_description: T.StringType() = pa.Field(
        str_matches=CLEAN_TEXT_PATTERN,
        nullable=True,
        description="Cleaned plain-text description (stg_events."
        "event_description_clean); null when no text remains.",
    )
    event_created_at: T.TimestampType() = pa.Field(
        description="Creation time of the event's latest version (UTC)."
    )
    event_start_time: T.TimestampType() = pa.Field(
        nullable=True, description="Scheduled start (UTC); null when unknown."
    )
    event_duration_seconds: T.LongType() = non_negative_field(
        "Planned duration in whole seconds.", nullable=True
    )
    rsvp_limit: T.IntegerType() = non_negative_field(
        "Maximum number of 'yes' answers; null or 0 means no limit.", nullable=True
    )
    event_status: T.StringType() = event_status_field(
        "Meetup status: past, upcoming, cancelled, proposed or suggested."
    )
    event_version_number: T.IntegerType() = version_number_field(
        "Rank of the row among the event's versions, 1 = latest (always 1: staging "
        "already merges versions)."
    )
    is_suggested: T.BooleanType() = flag_field("True when event_status is 'suggested'.")
    is_proposed: T.BooleanType() = flag_field("True when event_status is 'proposed'.")
    is_cancelled: T.BooleanType() = flag_field("True when event_status is 'cancelled'.")
    is_past: T.BooleanType() = flag_field("True when event_status is 'past'.")
    is_upcoming: T.BooleanType() = flag_field("True when event_status is 'upcoming'.")
    venue_id: T.StringType() = pa.Field(
        nullable=True,
        description="The event's own venue id, kept also when the venue is not in "
        "stg_venues; null when the event has no venue.",
    )
    venue_name: T.StringType() = pa.Field(
        nullable=True,
        description="Venue name from stg_venues; null when the venue is unknown.",
    )
    venue_city: T.StringType() = pa.Field(
        nullable=True, description="City of the venue, from stg_venues."
    )
    venue_country: T.StringType() = pa.Field(
        nullable=True, description="Country of the venue, from stg_venues."
    )
    venue_lat: T.DoubleType() = latitude_field("Latitude of the venue.")
    venue_lon: T.DoubleType() = longitude_field("Longitude of the venue.")
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["event_sk"]
        name = "int_events_with_venues"
        description = (
            "One row per event with its venue's attributes and status flags; key "
            "event_sk."
        )
        metadata = {
            "grain": "one row per event",
            "key": ["event_sk"],
            "relationships": {"event_id": "staging.stg_events.event_id"},
        }


class IntEventRsvps(pa.DataFrameModel):
    """One row per (user, event) for events that exist; key ``rsvp_sk``."""

    rsvp_sk: T.StringType() = md5_field("Answer key: sk(user_id, event_id).")
    user_sk: T.StringType() = md5_field("User key: sk(user_id).")
    event_sk: T.StringType() = md5_field("Event key (= event_id).")
    event_id: T.StringType() = md5_field("Id of the event answered.")
    event_id_clean: T.StringType() = identifier_field(
        "Identifier-safe event_id (characters outside [A-Za-z0-9_] replaced by '_')."
    )
    group_id: T.StringType() = pa.Field(
        description="Id of the group hosting the event."
    )
    event_name: T.StringType() = pa.Field(nullable=True, description="Event title.")
    event_status: T.StringType() = event_status_field(
        "The event's status: past, upcoming, cancelled, proposed or suggested."
    )
    event_start_time: T.TimestampType() = pa.Field(
        nullable=True, description="The event's scheduled start (UTC)."
    )
    venue_id: T.StringType() = pa.Field(
        nullable=True, description="The event's venue id; null without a venue."
    )
    user_id: T.StringType() = pa.Field(
        description="Id of the member who answered; may name a user absent from "
        "stg_users."
    )
    user_city: T.StringType() = pa.Field(
        nullable=True,
        description="The user's city from stg_users; null for unknown users.",
    )
    user_country: T.StringType() = pa.Field(
        nullable=True,
        description="The user's country from stg_users; null for unknown users.",
    )
    rsvp_last_modified_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the latest answer was given (UTC); null when unknown.",
    )
    response: T.StringType() = response_field("The latest answer: yes, no or waitlist.")
    guests: T.IntegerType() = non_negative_field(
        "Guests the user brings; null when not given.", nullable=True
    )
    rsvp_version_number: T.IntegerType() = version_number_field(
        "Rank of the answer among the user's answers to the event, 1 = latest "
        "(always 1: staging keeps only the latest)."
    )
    is_attending: T.BooleanType() = flag_field("True when the response is 'yes'.")
    is_not_attending: T.BooleanType() = flag_field("True when the response is 'no'.")
    is_waitlisted: T.BooleanType() = flag_field("True when the response is 'waitlist'.")
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["rsvp_sk"]
        name = "int_event_rsvps"
        description = (
            "One row per (user, event) latest answer, for events that exist, with "
            "event and user attributes; key rsvp_sk."
        )
        metadata = {
            "grain": "one row per user and event",
            "key": ["rsvp_sk"],
            "relationships": {
                "event_sk": "intermediate.int_events_with_venues.event_sk",
                "event_id": "staging.stg_events.event_id",
            },
        }


class IntUserMembershipsWithGroups(pa.DataFrameModel):
    """One row per (user, group) membership; key ``membership_sk``."""

    membership_sk: T.StringType() = md5_field("Membership key: sk(user_id, group_id).")
    user_sk: T.StringType() = md5_field("User key: sk(user_id).")
    group_sk: T.StringType() = md5_field(
        "Group key: sk(group_id), also for groups absent from stg_groups."
    )
    user_id: T.StringType() = pa.Field(description="Id of the member.")
    user_city: T.StringType() = pa.Field(nullable=True, description="The user's city.")
    user_country: T.StringType() = pa.Field(
        nullable=True, description="The user's country."
    )
    user_hometown: T.StringType() = pa.Field(
        nullable=True, description="The user's hometown."
    )
    group_id: T.StringType() = pa.Field(
        description="The membership's own group id, kept also when the group is "
        "not in stg_groups."
    )
    group_name: T.StringType() = pa.Field(
        nullable=True,
        description="Group name from stg_groups; null when the group is unknown.",
    )
    group_city: T.StringType() = pa.Field(
        nullable=True,
        description="Group city from stg_groups; null when the group is unknown.",
    )
    group_created_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the group was founded (UTC); null when the group is unknown.",
    )
    joined_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the user (last) joined the group (UTC); null when unknown.",
    )
    membership_version_number: T.IntegerType() = version_number_field(
        "Rank of the join among the user's joins to the group, 1 = latest (always "
        "1: staging keeps only the latest)."
    )
    days_from_group_creation_to_join: T.IntegerType() = pa.Field(
        nullable=True,
        description="Whole days from group_created_at to joined_at, truncated "
        "toward zero; negative for a join dated before the group's creation (a "
        "data error the data tests warn about); null when either is unknown.",
    )
    is_early_adopter: T.BooleanType() = flag_field(
        "True when the user joined 0 to early_adopter_days (30) whole days after "
        "the group's creation; false when unknown or negative."
    )

    class Config:
        strict = True
        unique = ["membership_sk"]
        name = "int_user_memberships_with_groups"
        description = (
            "One row per (user, group) membership with user and group attributes "
            "and early-adopter logic; key membership_sk."
        )
        metadata = {
            "grain": "one row per user and group",
            "key": ["membership_sk"],
            "relationships": {
                "membership_sk": "staging.stg_memberships.membership_key",
                "user_id": "staging.stg_users.user_id",
            },
        }


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "int_events_with_venues": IntEventsWithVenues,
    "int_event_rsvps": IntEventRsvps,
    "int_user_memberships_with_groups": IntUserMembershipsWithGroups,
}
