"""Contracts of the marts layer: the star schema (``dim_*``, ``fact_*``).

Every ``*_sk`` foreign key points to its dimension, every date id to ``dim_date``
(``Config.metadata["relationships"]``); dimensions hold inferred rows for referenced
but unknown ids, so those relationships hold and inferred rows have null attributes.
Category values are the ones ``marts/nodes.py`` writes, with the default thresholds
of ``conf/base/parameters.yml`` named in the descriptions.
"""

import pandera.pyspark as pa
from pyspark.sql import types as T

from motors_meetup.contracts.fields import (
    batch_id_field,
    event_status_field,
    flag_field,
    latitude_field,
    longitude_field,
    md5_field,
    non_negative_field,
    response_field,
    version_number_field,
)
from motors_meetup.pipelines.marts.nodes import (
    GROUP_AGE_CATEGORIES,
    GROUP_SIZE_CATEGORIES,
    RSVP_TIMING_CATEGORIES,
    VENUE_POPULARITIES,
)

DAY_NAMES = (
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
)
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

DIM_DATE = "marts.dim_date.date_id"
DIM_EVENTS = "marts.dim_events.event_sk"
DIM_GROUPS = "marts.dim_groups.group_sk"
DIM_USERS = "marts.dim_users.user_sk"
DIM_VENUES = "marts.dim_venues.venue_sk"


class DimDate(pa.DataFrameModel):
    """One row per calendar day; key ``date_id``."""

    date_id: T.DateType() = pa.Field(
        description="The day (key); referenced by every *_date_id and event date "
        "column of the marts."
    )
    date_day: T.DateType() = pa.Field(description="The day, same value as date_id.")
    day_of_week: T.IntegerType() = pa.Field(
        in_range={"min_value": 1, "max_value": 7},
        description="Day of the week, 1 = Sunday .. 7 = Saturday (dbt_date's "
        "numbering).",
    )
    day_of_week_name: T.StringType() = pa.Field(
        isin=DAY_NAMES, description="English name of the weekday, e.g. 'Sunday'."
    )
    day_of_month: T.IntegerType() = pa.Field(
        in_range={"min_value": 1, "max_value": 31},
        description="Day of the month, 1..31.",
    )
    month_of_year: T.IntegerType() = pa.Field(
        in_range={"min_value": 1, "max_value": 12},
        description="Month number, 1 = January .. 12 = December.",
    )
    month_name: T.StringType() = pa.Field(
        isin=MONTH_NAMES, description="English name of the month, e.g. 'January'."
    )
    quarter_of_year: T.IntegerType() = pa.Field(
        in_range={"min_value": 1, "max_value": 4},
        description="Calendar quarter, 1..4.",
    )
    year_number: T.IntegerType() = pa.Field(description="Calendar year, e.g. 2017.")
    day_of_year: T.IntegerType() = pa.Field(
        in_range={"min_value": 1, "max_value": 366},
        description="Day of the year, 1 = 1 January .. 366.",
    )
    week_of_year: T.IntegerType() = pa.Field(
        in_range={"min_value": 1, "max_value": 53},
        description="ISO 8601 week number, 1..53 (weeks start on Monday; early "
        "January days may belong to week 52/53 of the previous year).",
    )
    is_weekend: T.BooleanType() = flag_field("True on Saturdays and Sundays.")
    is_month_start: T.BooleanType() = flag_field("True on the first day of a month.")
    is_month_end: T.BooleanType() = flag_field("True on the last day of a month.")
    is_quarter_start: T.BooleanType() = flag_field(
        "True on 1 January, 1 April, 1 July and 1 October."
    )
    is_quarter_end: T.BooleanType() = flag_field(
        "True on 31 March, 30 June, 30 September and 31 December."
    )
    is_year_start: T.BooleanType() = flag_field("True on 1 January.")
    is_year_end: T.BooleanType() = flag_field("True on 31 December.")

    class Config:
        strict = True
        unique = ["date_id"]
        name = "dim_date"
        description = (
            "One row per calendar day from the earliest event created/start date "
            "through the day before (latest created or start date + 1 year); key "
            "date_id."
        )
        metadata = {
            "grain": "one row per calendar day",
            "key": ["date_id"],
            "relationships": {},
        }


class DimEvents(pa.DataFrameModel):
    """One row per event; key ``event_sk``."""

    event_sk: T.StringType() = md5_field(
        "Event key, equal to event_id (md5 hex); what the facts reference."
    )
    event_id: T.StringType() = md5_field(
        "Event id from stg_events: sk(group_id, name, start time, raw description, "
        "'1'), the dbt project's id of the event's first copy."
    )
    group_id: T.StringType() = pa.Field(
        description="Id of the hosting group; every value has a dim_groups row "
        "(inferred when the group is not in the groups export)."
    )
    venue_id: T.StringType() = pa.Field(
        nullable=True,
        description="The event's own venue id, kept also when the venue is not in "
        "the venues export; null when the event has no venue.",
    )
    venue_sk: T.StringType() = md5_field(
        "Venue key sk(venue_id) whenever the event names a venue (an inferred "
        "dim_venues row for unknown venues); null for events without a venue.",
        nullable=True,
    )
    event_name: T.StringType() = pa.Field(nullable=True, description="Event title.")
    event_description: T.StringType() = pa.Field(
        nullable=True,
        description="Plain-text description (HTML removed, entities decoded, "
        "paragraphs joined by newlines); null when no text remains.",
    )
    event_created_at: T.TimestampType() = pa.Field(
        description="Creation time of the event's latest version (UTC, whole seconds)."
    )
    event_start_time: T.TimestampType() = pa.Field(
        nullable=True,
        description="Scheduled start (UTC, whole seconds); null when "
        "the export has no time.",
    )
    event_duration_seconds: T.LongType() = non_negative_field(
        "Planned duration in whole seconds; null when not given.", nullable=True
    )
    rsvp_limit: T.IntegerType() = non_negative_field(
        "Maximum number of 'yes' answers; null or 0 means no limit.", nullable=True
    )
    event_status: T.StringType() = event_status_field(
        "Meetup status: past, upcoming, cancelled, proposed or "
        "suggested; null when not exported."
    )
    event_version_number: T.IntegerType() = version_number_field(
        "Rank of the row among the event's versions, 1 = latest "
        "(staging merges versions, so 1)."
    )
    is_suggested: T.BooleanType() = flag_field("True when event_status is 'suggested'.")
    is_proposed: T.BooleanType() = flag_field("True when event_status is 'proposed'.")
    is_cancelled: T.BooleanType() = flag_field("True when event_status is 'cancelled'.")
    is_past: T.BooleanType() = flag_field("True when event_status is 'past'.")
    is_upcoming: T.BooleanType() = flag_field("True when event_status is 'upcoming'.")
    event_start_date_id: T.DateType() = pa.Field(
        nullable=True,
        description="UTC date of event_start_time (→ dim_date); null without a "
        "start time.",
    )
    event_created_date_id: T.DateType() = pa.Field(
        description="UTC date of event_created_at (→ dim_date)."
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["event_sk"]
        name = "dim_events"
        description = "One row per event with its status flags; key event_sk."
        metadata = {
            "grain": "one row per event",
            "key": ["event_sk"],
            "relationships": {
                "group_id": "marts.dim_groups.group_id",
                "venue_sk": DIM_VENUES,
                "event_start_date_id": DIM_DATE,
                "event_created_date_id": DIM_DATE,
            },
        }


class DimGroups(pa.DataFrameModel):
    """One row per group, staged or inferred; key ``group_sk``."""

    group_sk: T.StringType() = md5_field("Group key: sk(group_id).")
    group_id: T.StringType() = pa.Field(
        description="Meetup group id, as text; also for inferred groups."
    )
    group_name: T.StringType() = pa.Field(
        nullable=True, description="Group name; null for inferred groups."
    )
    group_city: T.StringType() = pa.Field(
        nullable=True,
        description="City the group is based in; null for inferred groups.",
    )
    group_created_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the group was founded (UTC); null for inferred groups.",
    )
    days_since_creation: T.IntegerType() = pa.Field(
        nullable=True,
        description="Whole days from group_created_at to the as_of_date run "
        "parameter; null when the creation time is unknown.",
    )
    total_members: T.LongType() = non_negative_field(
        "Distinct users with a membership of the group; 0 without members."
    )
    early_adopter_count: T.LongType() = non_negative_field(
        "Distinct members who joined within early_adopter_days (30) of "
        "the group's creation."
    )
    active_memberships: T.LongType() = non_negative_field(
        "Memberships that are the latest version and started by the end of as_of_date."
    )
    group_size_category: T.StringType() = pa.Field(
        isin=GROUP_SIZE_CATEGORIES,
        description="'Large' above 100 members, 'Medium' above 50, else 'Small' "
        "(thresholds.group_size).",
    )
    group_age_category: T.StringType() = pa.Field(
        isin=GROUP_AGE_CATEGORIES,
        nullable=True,
        description="'New' under 90 days since creation, 'Established' under 365, "
        "else 'Mature' (thresholds.group_age_days); null when the creation time is "
        "unknown.",
    )
    is_inferred: T.BooleanType() = flag_field(
        "True for a group referenced by memberships or events but absent from the "
        "groups export (attributes null)."
    )

    class Config:
        strict = True
        unique = ["group_sk"]
        name = "dim_groups"
        description = (
            "One row per group, staged or inferred, with membership metrics; key "
            "group_sk."
        )
        metadata = {
            "grain": "one row per group",
            "key": ["group_sk"],
            "relationships": {},
        }


class DimUsers(pa.DataFrameModel):
    """One row per user, staged or inferred; key ``user_sk``."""

    user_sk: T.StringType() = md5_field("User key: sk(user_id).")
    user_id: T.StringType() = pa.Field(
        description="Meetup member id, as text; also for inferred users."
    )
    user_city: T.StringType() = pa.Field(
        nullable=True, description="User's city; null for inferred users."
    )
    user_country: T.StringType() = pa.Field(
        nullable=True, description="User's country; null for inferred users."
    )
    user_hometown: T.StringType() = pa.Field(
        nullable=True,
        description="Hometown from the user's profile; null for inferred users.",
    )
    total_groups_joined: T.LongType() = non_negative_field(
        "Distinct groups the user is a member of; 0 without memberships."
    )
    first_joined_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="Earliest join time over the user's memberships (UTC); null "
        "without memberships with a join time.",
    )
    last_joined_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="Latest join time over the user's memberships (UTC); null "
        "without memberships with a join time.",
    )
    early_adopter_count: T.LongType() = non_negative_field(
        "Distinct groups the user joined within early_adopter_days (30) "
        "of the group's creation."
    )
    is_any_early_adopter: T.BooleanType() = flag_field(
        "True when early_adopter_count > 0."
    )
    is_frequent_early_adopter: T.BooleanType() = flag_field(
        "True when early_adopter_count > 2 (thresholds.frequent_early_adopter_above)."
    )
    is_inferred: T.BooleanType() = flag_field(
        "True for a user referenced by RSVPs or memberships but absent from the "
        "users export (attributes null)."
    )

    class Config:
        strict = True
        unique = ["user_sk"]
        name = "dim_users"
        description = (
            "One row per user, staged or inferred, with membership metrics; key "
            "user_sk."
        )
        metadata = {
            "grain": "one row per user",
            "key": ["user_sk"],
            "relationships": {},
        }


class DimVenues(pa.DataFrameModel):
    """One row per venue, staged or inferred; key ``venue_sk``."""

    venue_sk: T.StringType() = md5_field("Venue key: sk(venue_id).")
    venue_id: T.StringType() = pa.Field(
        description="Meetup venue id, as text; also for inferred venues."
    )
    venue_name: T.StringType() = pa.Field(
        nullable=True, description="Venue name; null for inferred venues."
    )
    venue_city: T.StringType() = pa.Field(
        nullable=True, description="City the venue is in; null for inferred venues."
    )
    venue_country: T.StringType() = pa.Field(
        nullable=True,
        description="Country the venue is in; null for inferred venues.",
    )
    venue_lat: T.DoubleType() = latitude_field(
        "Latitude of the venue; null when unknown."
    )
    venue_lon: T.DoubleType() = longitude_field(
        "Longitude of the venue; null when unknown."
    )
    total_events: T.LongType() = non_negative_field(
        "Distinct events at the venue (any status, with or without a "
        "start time); 0 without events."
    )
    total_groups_hosted: T.LongType() = non_negative_field(
        "Distinct groups that held an event at the venue."
    )
    venue_popularity: T.StringType() = pa.Field(
        isin=VENUE_POPULARITIES,
        description="'High' above 10 events, 'Medium' above 5, else 'Low' "
        "(thresholds.venue_popularity).",
    )
    is_multi_group_venue: T.BooleanType() = flag_field(
        "True when more than 3 groups held events at the venue "
        "(thresholds.multi_group_venue_above)."
    )
    is_inferred: T.BooleanType() = flag_field(
        "True for a venue referenced by events but absent from the venues export "
        "(attributes null)."
    )

    class Config:
        strict = True
        unique = ["venue_sk"]
        name = "dim_venues"
        description = (
            "One row per venue, staged or inferred, with event metrics; key venue_sk."
        )
        metadata = {
            "grain": "one row per venue",
            "key": ["venue_sk"],
            "relationships": {},
        }


class FactRsvps(pa.DataFrameModel):
    """One row per latest RSVP of a user to an event; key ``rsvp_sk``."""

    rsvp_sk: T.StringType() = md5_field(
        "Answer key: sk(user_id, event_id) (user first, as in the dbt project)."
    )
    user_sk: T.StringType() = md5_field("Key of the user who answered (dim_users).")
    event_sk: T.StringType() = md5_field("Key of the event answered (dim_events).")
    venue_sk: T.StringType() = md5_field(
        "Key of the event's venue (dim_venues); null for events without a venue.",
        nullable=True,
    )
    event_id: T.StringType() = md5_field("Id of the event answered (= event_sk).")
    user_id: T.StringType() = pa.Field(
        description="Id of the member who answered; may be an inferred user."
    )
    group_id: T.StringType() = pa.Field(description="Id of the hosting group.")
    event_name: T.StringType() = pa.Field(nullable=True, description="Event title.")
    rsvp_time: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the latest answer was given (UTC, whole seconds); null "
        "when the export has no time.",
    )
    rsvp_date: T.DateType() = pa.Field(
        nullable=True, description="UTC date of rsvp_time."
    )
    response: T.StringType() = response_field("The latest answer: yes, no or waitlist.")
    guests: T.IntegerType() = non_negative_field(
        "Guests the user brings, as answered; null when not given.", nullable=True
    )
    rsvp_version_number: T.IntegerType() = pa.Field(
        eq=1,
        description="Rank of the answer among the user's answers to the event; "
        "always 1: the fact keeps the latest answer only.",
    )
    is_attending: T.BooleanType() = flag_field("True when the response is 'yes'.")
    is_not_attending: T.BooleanType() = flag_field("True when the response is 'no'.")
    is_waitlisted: T.BooleanType() = flag_field("True when the response is 'waitlist'.")
    event_status: T.StringType() = event_status_field(
        "The event's status: past, upcoming, cancelled, proposed or suggested."
    )
    event_start_time: T.TimestampType() = pa.Field(
        nullable=True,
        description="The event's scheduled start (UTC); null when unknown.",
    )
    event_date: T.DateType() = pa.Field(
        nullable=True,
        description="UTC date of event_start_time (→ dim_date); null without a "
        "start time.",
    )
    is_past: T.BooleanType() = flag_field("The event's is_past flag (dim_events).")
    is_upcoming: T.BooleanType() = flag_field(
        "The event's is_upcoming flag (dim_events)."
    )
    is_cancelled: T.BooleanType() = flag_field(
        "The event's is_cancelled flag (dim_events)."
    )
    minutes_from_rsvp_to_event: T.LongType() = pa.Field(
        nullable=True,
        description="Whole minutes from the answer to the event start, truncated "
        "toward zero; negative for answers after the start; null when either time "
        "is unknown.",
    )
    hours_from_rsvp_to_event: T.DecimalType(18, 1) = pa.Field(
        nullable=True,
        description="minutes_from_rsvp_to_event / 60, rounded half-up to 1 decimal.",
    )
    days_from_rsvp_to_event: T.DecimalType(18, 1) = pa.Field(
        nullable=True,
        description="minutes_from_rsvp_to_event / 1440, rounded half-up to 1 decimal.",
    )
    is_same_day_rsvp: T.BooleanType() = flag_field(
        "True when the answer and the start fall on the same UTC date; false when "
        "either is unknown."
    )
    rsvp_timing_category: T.StringType() = pa.Field(
        isin=RSVP_TIMING_CATEGORIES,
        nullable=True,
        description="By whole days from answer to start: 'Last Minute' at most 1 "
        "(answers after the start included), 'Within Week' at most 7, else 'Early' "
        "(thresholds.rsvp_timing_days); null when either time is unknown.",
    )
    total_attendance: T.IntegerType() = non_negative_field(
        "People this answer brings: guests + 1 when attending (a "
        "missing guests count as 0), else 0."
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["rsvp_sk"]
        name = "fact_rsvps"
        description = (
            "One row per latest RSVP of a user to an event, with timing and "
            "attendance measures; key rsvp_sk."
        )
        metadata = {
            "grain": "one row per user and event (the latest answer)",
            "key": ["rsvp_sk"],
            "relationships": {
                "user_sk": DIM_USERS,
                "event_sk": DIM_EVENTS,
                "venue_sk": DIM_VENUES,
                "event_date": DIM_DATE,
            },
        }


class FactEventAttendance(pa.DataFrameModel):
    """One row per event of dim_events; key ``event_sk``."""

    event_sk: T.StringType() = md5_field("Key of the event (dim_events).")
    attendance_date_id: T.DateType() = pa.Field(
        nullable=True,
        description="UTC start date of the event (→ dim_date); null without a "
        "start time.",
    )
    total_responses: T.LongType() = non_negative_field(
        "Latest answers to the event, any response; 0 without RSVPs."
    )
    attending_count: T.LongType() = non_negative_field("'yes' answers.")
    not_attending_count: T.LongType() = non_negative_field("'no' answers.")
    waitlist_count: T.LongType() = non_negative_field("'waitlist' answers.")
    total_guests: T.LongType() = non_negative_field(
        "Guests brought by attendees: sum of guests of 'yes' answers "
        "only (a missing count as 0)."
    )
    unique_respondents: T.LongType() = non_negative_field(
        "Distinct users who answered."
    )
    total_expected_attendance: T.LongType() = non_negative_field(
        "attending_count + total_guests."
    )
    percent_capacity_filled: T.DoubleType() = non_negative_field(
        "total_expected_attendance / rsvp_limit × 100, rounded half-up "
        "to 1 decimal (may exceed 100); null when the limit is null or 0.",
        nullable=True,
    )
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["event_sk"]
        name = "fact_event_attendance"
        description = (
            "One row per event of dim_events with its RSVP counts and capacity "
            "use; key event_sk."
        )
        metadata = {
            "grain": "one row per event",
            "key": ["event_sk"],
            "relationships": {
                "event_sk": DIM_EVENTS,
                "attendance_date_id": DIM_DATE,
            },
        }


class FactGroupActivity(pa.DataFrameModel):
    """One row per (group, UTC day with a join); key (group_sk, activity_date)."""

    group_sk: T.StringType() = md5_field("Key of the group joined (dim_groups).")
    activity_date: T.DateType() = pa.Field(
        description="UTC date on which at least one user joined the group."
    )
    group_id: T.StringType() = pa.Field(
        description="Id of the group; also for inferred groups."
    )
    group_name: T.StringType() = pa.Field(
        nullable=True, description="Group name; null for inferred groups."
    )
    new_members: T.LongType() = pa.Field(
        ge=1, description="Distinct users who joined that day (at least 1)."
    )
    new_early_adopters: T.LongType() = non_negative_field(
        "Distinct early adopters among that day's new members."
    )
    is_first_member_date: T.BooleanType() = flag_field(
        "True on the group's first day with a join."
    )
    is_latest_member_date: T.BooleanType() = flag_field(
        "True on the group's latest day with a join."
    )
    days_since_creation: T.IntegerType() = pa.Field(
        nullable=True,
        description="Whole days from the group's creation to activity_date; "
        "negative for joins dated before the creation (a data error the data tests "
        "warn about); null for inferred groups.",
    )

    class Config:
        strict = True
        unique = ["group_sk", "activity_date"]
        name = "fact_group_activity"
        description = (
            "One row per group and UTC day with at least one join; key (group_sk, "
            "activity_date)."
        )
        metadata = {
            "grain": "one row per group and day with a join",
            "key": ["group_sk", "activity_date"],
            "relationships": {"group_sk": DIM_GROUPS},
        }


class FactGroupMemberships(pa.DataFrameModel):
    """One row per (user, group) membership; key ``membership_sk``."""

    membership_sk: T.StringType() = md5_field("Membership key: sk(user_id, group_id).")
    user_sk: T.StringType() = md5_field("Key of the member (dim_users).")
    group_sk: T.StringType() = md5_field("Key of the group joined (dim_groups).")
    user_id: T.StringType() = pa.Field(description="Id of the member.")
    group_id: T.StringType() = pa.Field(
        description="The membership's own group id, kept also for groups absent "
        "from the groups export."
    )
    joined_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the user (last) joined the group (UTC); null when unknown.",
    )
    joined_date: T.DateType() = pa.Field(
        nullable=True, description="UTC date of joined_at."
    )
    membership_version_number: T.IntegerType() = version_number_field(
        "Rank of the join among the user's joins to the group, 1 = latest."
    )
    days_from_group_creation_to_join: T.IntegerType() = pa.Field(
        nullable=True,
        description="Whole days from the group's creation to joined_at; negative "
        "for a join dated before the creation (a data error the data tests warn "
        "about); null when either is unknown.",
    )
    is_early_adopter: T.BooleanType() = flag_field(
        "True when the user joined 0 to 30 whole days after the group's creation "
        "(thresholds.early_adopter_days); false when unknown or negative."
    )
    group_name: T.StringType() = pa.Field(
        nullable=True, description="Group name; null for unknown groups."
    )
    group_city: T.StringType() = pa.Field(
        nullable=True, description="Group city; null for unknown groups."
    )
    group_created_at: T.TimestampType() = pa.Field(
        nullable=True,
        description="When the group was founded (UTC); null for unknown groups.",
    )
    user_city: T.StringType() = pa.Field(
        nullable=True, description="Member's city; null for unknown users."
    )
    user_country: T.StringType() = pa.Field(
        nullable=True, description="Member's country; null for unknown users."
    )
    user_hometown: T.StringType() = pa.Field(
        nullable=True, description="Member's hometown; null for unknown users."
    )
    membership_age_days: T.IntegerType() = pa.Field(
        nullable=True,
        description="Whole days from joined_at to as_of_date (its midnight, UTC); "
        "negative for a join after it; null when joined_at is unknown.",
    )
    membership_age_months: T.IntegerType() = pa.Field(
        nullable=True,
        description="Whole calendar months from joined_at to as_of_date; null when "
        "joined_at is unknown.",
    )
    is_active: T.BooleanType() = flag_field(
        "True when the membership is the latest version and started by the end of "
        "as_of_date; false without a join time."
    )

    class Config:
        strict = True
        unique = ["membership_sk"]
        name = "fact_group_memberships"
        description = (
            "One row per (user, group) membership with user, group and age "
            "attributes; key membership_sk."
        )
        metadata = {
            "grain": "one row per user and group",
            "key": ["membership_sk"],
            "relationships": {"user_sk": DIM_USERS, "group_sk": DIM_GROUPS},
        }


class FactVenueActivity(pa.DataFrameModel):
    """One row per (venue, UTC day with an event); key (venue_sk, activity_date)."""

    venue_sk: T.StringType() = md5_field("Key of the venue (dim_venues).")
    activity_date: T.DateType() = pa.Field(
        description="UTC start date of at least one event at the venue (→ dim_date)."
    )
    venue_id: T.StringType() = pa.Field(
        description="Id of the venue; also for inferred venues."
    )
    venue_name: T.StringType() = pa.Field(
        nullable=True, description="Venue name; null for inferred venues."
    )
    daily_events: T.LongType() = pa.Field(
        ge=1,
        description="Distinct events starting at the venue that day (any "
        "status, at least 1).",
    )
    daily_groups: T.LongType() = pa.Field(
        ge=1, description="Distinct groups holding those events."
    )
    cancelled_events: T.LongType() = non_negative_field(
        "Distinct cancelled events among them."
    )
    is_first_event_date: T.BooleanType() = flag_field(
        "True on the venue's first day with an event."
    )
    is_last_event_date: T.BooleanType() = flag_field(
        "True on the venue's last day with an event."
    )
    days_since_first_event: T.IntegerType() = non_negative_field(
        "Days from the venue's first event day to activity_date."
    )
    venue_active_days: T.LongType() = pa.Field(
        ge=1,
        description="Number of days with an event at the venue (same on every "
        "row of the venue).",
    )

    class Config:
        strict = True
        unique = ["venue_sk", "activity_date"]
        name = "fact_venue_activity"
        description = (
            "One row per venue and UTC day with at least one event starting there; "
            "key (venue_sk, activity_date)."
        )
        metadata = {
            "grain": "one row per venue and day with an event",
            "key": ["venue_sk", "activity_date"],
            "relationships": {"venue_sk": DIM_VENUES, "activity_date": DIM_DATE},
        }


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "dim_date": DimDate,
    "dim_events": DimEvents,
    "dim_groups": DimGroups,
    "dim_users": DimUsers,
    "dim_venues": DimVenues,
    "fact_rsvps": FactRsvps,
    "fact_event_attendance": FactEventAttendance,
    "fact_group_activity": FactGroupActivity,
    "fact_group_memberships": FactGroupMemberships,
    "fact_venue_activity": FactVenueActivity,
}
