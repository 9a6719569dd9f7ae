"""Contracts of the raw layer: typed source records, quarantine and load report.

Field builders shared by every layer (md5 keys, coordinates, ``_batch_id``...) live
in :mod:`motors_meetup.contracts.fields`; the bookkeeping columns only raw tables
carry (``_source_file``, ``_record_key``...) are built here.

pandera treats model attributes whose name starts with ``_`` as private, so the
bookkeeping columns (``_batch_id``, ``_source_file``...) are declared under a name
with a trailing underscore and mapped to the real column with ``alias``.
"""

from typing import Any

import pandera.pyspark as pa
from pandera.dtypes import immutable
from pandera.engines import pyspark_engine
from pyspark.sql import types as T

from motors_meetup.contracts.fields import (
    batch_id_field,
    event_status_field,
    latitude_field,
    longitude_field,
    md5_field,
    non_negative_field,
)
from motors_meetup.pipelines.raw.increments import SOURCES


@pyspark_engine.Engine.register_dtype(equivalents=[T.StructType])
@immutable(init=True)
class StructDtype(pyspark_engine.DataType):
    """pandera's pyspark engine knows no struct columns (0.35): this teaches it.

    Equality is the full Spark type (field names, types, nullability, order), as
    pandera's own ArrayType compares its element type.
    """

    type: T.StructType

    def __init__(self, fields: list[T.StructField] | None = None) -> None:
        object.__setattr__(self, "type", T.StructType(fields or []))

    @classmethod
    def from_parametrized_dtype(cls, ps_dtype: T.StructType) -> pyspark_engine.DataType:
        """The pandera dtype of a Spark ``StructType``."""
        return cls(list(ps_dtype.fields))


class ArrayOf(pyspark_engine.DataType):
    """An array of exactly ``element`` (names, types, nullability), null elements
    allowed or not.

    The raw nodes build some arrays with ``containsNull=false`` (``transform`` of
    a coalesced array), but a Delta write stores every array as
    ``containsNull=true``: the hook checks the first, the data tests read the
    second, and pandera's ArrayType would pass only one of them.
    """

    type: T.ArrayType

    def __init__(self, element: T.DataType) -> None:
        object.__setattr__(self, "type", T.ArrayType(element, True))

    def check(self, pandera_dtype: Any, data_container: Any = None) -> bool:
        """True for any array whose element type equals ``element``."""
        other = getattr(pandera_dtype, "type", None)
        return (
            isinstance(other, T.ArrayType)
            and other.elementType == self.type.elementType
        )

    def __str__(self) -> str:
        return f"ArrayOf({self.type.elementType})"


# Element types of the nested arrays, exactly as the raw nodes build them.
RSVP_STRUCT = T.StructType(
    [
        T.StructField("user_id", T.StringType(), True),
        T.StructField("response", T.StringType(), True),
        T.StructField("when", T.LongType(), True),
        T.StructField("guests", T.IntegerType(), True),
    ]
)
MEMBERSHIP_STRUCT = T.StructType(
    [
        T.StructField("group_id", T.StringType(), True),
        T.StructField("joined", T.LongType(), True),
    ]
)
DELIVERY_STRUCT = T.StructType(
    [
        T.StructField("file_modified_at", T.TimestampType(), True),
        T.StructField("source_file", T.StringType(), True),
        T.StructField("digest", T.StringType(), True),
    ]
)

# Rejection reasons, per source, as the rules in raw/nodes.py name them (the
# first rule a record breaks is its reason; tests/contracts checks the lists
# against the node code).
PARSE_REASONS = ("malformed_json", "type_mismatch")
DUPLICATE_REASONS = ("identical_duplicate", "duplicate_key")
COORDINATE_REASONS = ("lat_out_of_range", "lon_out_of_range")
EVENT_REJECTION_REASONS = (
    *PARSE_REASONS,
    "null_group_id",
    "null_created",
    "epoch_in_seconds",
    "negative_duration",
    "negative_rsvp_limit",
    "unknown_status",
    "null_rsvp_user_id",
    "unknown_response",
    "negative_guests",
)
GROUP_REJECTION_REASONS = (
    *PARSE_REASONS,
    "null_group_id",
    "null_group_name",
    "null_created",
    "epoch_in_seconds",
    *COORDINATE_REASONS,
    *DUPLICATE_REASONS,
)
USER_REJECTION_REASONS = (
    *PARSE_REASONS,
    "null_user_id",
    "null_membership_group_id",
    "epoch_in_seconds",
    *DUPLICATE_REASONS,
)
VENUE_REJECTION_REASONS = (
    *PARSE_REASONS,
    "null_venue_id",
    *COORDINATE_REASONS,
    *DUPLICATE_REASONS,
)


# ---- bookkeeping columns of the raw tables -------------------------------------


def source_file_field() -> Any:
    """``_source_file``: the delivery file a raw row was read from."""
    return pa.Field(
        alias="_source_file",
        description="Path of the delivery file (JSON export) the record was read from.",
    )


def delivery_id_field() -> Any:
    """``_delivery_id``: the delivery a raw row was read from, by content."""
    return md5_field(
        "md5 of the delivery file's bytes: which delivery the record came from, "
        "wherever the file lies (incremental runs skip deliveries already read).",
        alias="_delivery_id",
    )


def file_modified_at_field() -> Any:
    """``_file_modified_at``: when the delivery file arrived."""
    return pa.Field(
        alias="_file_modified_at",
        description=(
            "Modification time (UTC) of the delivery file: when the delivery "
            "arrived; the later delivery of a key wins."
        ),
    )


def record_key_field() -> Any:
    """``_record_key``: a record's identity across reruns."""
    return md5_field(
        "md5 of the delivery's digest, the record's text and its copy number "
        "within that delivery: the record's identity, stable across reruns of the "
        "same file and moves of the input folder, so re-loading a batch MERGEs "
        "onto the same rows.",
        alias="_record_key",
    )


def delivery_field() -> Any:
    """``_delivery``: ordering of competing deliveries of one key."""
    return pa.Field(
        alias="_delivery",
        description=(
            "Which delivery this row came from, as (file_modified_at, source_file, "
            "md5 digest of the typed content); the greatest wins when several "
            "deliveries carry the same key, also across incremental MERGEs."
        ),
    )


# ---- raw tables ----------------------------------------------------------------


class RawEvents(pa.DataFrameModel):
    """Typed event records; no key (events carry no id before staging)."""

    group_id: T.StringType() = pa.Field(
        description="Id of the group hosting the event, as text (numbers or strings "
        "in the export); may name a group absent from the groups export."
    )
    event_name: T.StringType() = pa.Field(
        nullable=True, description="Event title as exported."
    )
    event_description: T.StringType() = pa.Field(
        nullable=True,
        description="Event description as exported: raw HTML with markup and entities.",
    )
    event_created_at: T.TimestampType() = pa.Field(
        description="When the event was created (export field `created`, epoch ms, "
        "as UTC timestamp truncated to the second); orders an event's versions."
    )
    event_start_time: T.TimestampType() = pa.Field(
        nullable=True,
        description="Scheduled start (export field `time`, epoch ms, as UTC "
        "timestamp truncated to the second); null when the export has no time.",
    )
    event_duration_seconds: T.LongType() = non_negative_field(
        "Planned duration in whole seconds (export field `duration`, ms, "
        "truncated); null when not given.",
        nullable=True,
    )
    rsvp_limit: T.IntegerType() = non_negative_field(
        "Maximum number of 'yes' answers the organiser accepts; null or 0 when "
        "there is no limit.",
        nullable=True,
    )
    venue_id: T.StringType() = pa.Field(
        nullable=True,
        description="Id of the event's venue, as text; null for events without a "
        "venue; may name a venue absent from the venues export.",
    )
    event_status: T.StringType() = event_status_field(
        "Lower-cased Meetup status: past, upcoming, cancelled, proposed or suggested."
    )
    rsvps: ArrayOf(RSVP_STRUCT) = pa.Field(
        description="The record's RSVPs as exported, one struct per answer "
        "(user_id as text, lower-cased response yes/no/waitlist, `when` in epoch "
        "ms, guests); empty array when the record has none."
    )
    source_file_: T.StringType() = source_file_field()
    delivery_id_: T.StringType() = delivery_id_field()
    file_modified_at_: T.TimestampType() = file_modified_at_field()
    record_key_: T.StringType() = record_key_field()
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        name = "raw_events"
        description = (
            "One row per accepted event record of the events export (versions and "
            "copies of an event included); no key, events get their id in staging."
        )
        metadata = {
            "grain": "one row per accepted event record",
            "key": [],
            "relationships": {},
        }


class RawGroups(pa.DataFrameModel):
    """Typed groups, the latest delivery of each ``group_id``."""

    group_id: T.StringType() = pa.Field(
        description="Meetup group id, as text (numbers or strings in the export)."
    )
    group_name: T.StringType() = pa.Field(description="Group name as exported.")
    city: T.StringType() = pa.Field(
        nullable=True, description="City the group is based in."
    )
    lat: T.DoubleType() = latitude_field("Latitude of the group's location.")
    lon: T.DoubleType() = longitude_field("Longitude of the group's location.")
    created_at: T.TimestampType() = pa.Field(
        description="When the group was founded (export field `created`, epoch ms, "
        "as UTC timestamp truncated to the second)."
    )
    group_description: T.StringType() = pa.Field(
        nullable=True, description="Group description as exported (HTML)."
    )
    group_link: T.StringType() = pa.Field(
        nullable=True, description="URL of the group's Meetup page."
    )
    topics: T.ArrayType(T.StringType(), True) = pa.Field(
        description="Topic names as exported, repeats included; empty array when "
        "the export has none."
    )
    source_file_: T.StringType() = source_file_field()
    delivery_id_: T.StringType() = delivery_id_field()
    file_modified_at_: T.TimestampType() = file_modified_at_field()
    record_key_: T.StringType() = record_key_field()
    delivery_: DELIVERY_STRUCT = delivery_field()
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["group_id"]
        name = "raw_groups"
        description = (
            "One row per group (the latest delivery of each group_id); key group_id."
        )
        metadata = {
            "grain": "one row per group",
            "key": ["group_id"],
            "relationships": {},
        }


class RawUsers(pa.DataFrameModel):
    """Typed users with their memberships, the latest delivery of each ``user_id``."""

    user_id: T.StringType() = pa.Field(
        description="Meetup member id, as text (numbers or strings in the export)."
    )
    city: T.StringType() = pa.Field(nullable=True, description="User's city.")
    country: T.StringType() = pa.Field(
        nullable=True, description="User's country as exported."
    )
    hometown: T.StringType() = pa.Field(
        nullable=True, description="Hometown the user entered in their profile."
    )
    memberships: ArrayOf(MEMBERSHIP_STRUCT) = pa.Field(
        description="The user's group memberships as exported, one struct per join "
        "(group_id as text, `joined` in epoch ms), repeats included; empty array "
        "when the user has none."
    )
    source_file_: T.StringType() = source_file_field()
    delivery_id_: T.StringType() = delivery_id_field()
    file_modified_at_: T.TimestampType() = file_modified_at_field()
    record_key_: T.StringType() = record_key_field()
    delivery_: DELIVERY_STRUCT = delivery_field()
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["user_id"]
        name = "raw_users"
        description = (
            "One row per user (the latest delivery of each user_id); key user_id."
        )
        metadata = {
            "grain": "one row per user",
            "key": ["user_id"],
            "relationships": {},
        }


class RawVenues(pa.DataFrameModel):
    """Typed venues, the latest delivery of each ``venue_id``."""

    venue_id: T.StringType() = pa.Field(
        description="Meetup venue id, as text (numbers or strings in the export)."
    )
    venue_name: T.StringType() = pa.Field(
        nullable=True, description="Venue name as exported."
    )
    city: T.StringType() = pa.Field(nullable=True, description="City the venue is in.")
    country: T.StringType() = pa.Field(
        nullable=True, description="Country the venue is in, as exported."
    )
    lat: T.DoubleType() = latitude_field("Latitude of the venue.")
    lon: T.DoubleType() = longitude_field("Longitude of the venue.")
    source_file_: T.StringType() = source_file_field()
    delivery_id_: T.StringType() = delivery_id_field()
    file_modified_at_: T.TimestampType() = file_modified_at_field()
    record_key_: T.StringType() = record_key_field()
    delivery_: DELIVERY_STRUCT = delivery_field()
    batch_id_: T.LongType() = batch_id_field()

    class Config:
        strict = True
        unique = ["venue_id"]
        name = "raw_venues"
        description = (
            "One row per venue (the latest delivery of each venue_id); key venue_id."
        )
        metadata = {
            "grain": "one row per venue",
            "key": ["venue_id"],
            "relationships": {},
        }


# ---- quarantine ----------------------------------------------------------------


class _Rejected(pa.DataFrameModel):
    """The columns every ``raw.<source>_rejected`` table shares."""

    source: T.StringType()
    source_file: T.StringType() = pa.Field(
        description="Path of the delivery file the rejected record was read from."
    )
    delivery_id: T.StringType() = md5_field(
        "md5 of that delivery file's bytes: the delivery's identity."
    )
    file_modified_at: T.TimestampType() = pa.Field(
        description="Modification time (UTC) of that delivery file."
    )
    record: T.StringType() = pa.Field(
        nullable=True,
        description="The record's original JSON text, unchanged, so it can be fixed "
        "and re-delivered.",
    )
    reason: T.StringType()
    record_key_: T.StringType() = record_key_field()
    batch_id_: T.LongType() = batch_id_field()


def _source_field(source: str) -> Any:
    return pa.Field(
        eq=source,
        description=f"Export source the record came from (always '{source}').",
    )


def _reason_field(reasons: tuple[str, ...]) -> Any:
    duplicates = set(DUPLICATE_REASONS) <= set(reasons)
    note = " (duplicate_key: a conflicting copy that lost to the latest delivery)"
    return pa.Field(
        isin=reasons,
        description="First rule the record broke: "
        + ", ".join(reasons)
        + (note if duplicates else "")
        + ".",
    )


class EventsRejected(_Rejected):
    """Event records quarantined by the raw layer."""

    source: T.StringType() = _source_field("events")
    reason: T.StringType() = _reason_field(EVENT_REJECTION_REASONS)

    class Config:
        strict = True
        name = "events_rejected"
        description = (
            "One row per rejected record of the events export (not valid JSON, "
            "wrong types, a broken raw rule); no key."
        )
        metadata = {
            "grain": "one row per rejected event record",
            "key": [],
            "relationships": {},
        }


class GroupsRejected(_Rejected):
    """Group records quarantined by the raw layer."""

    source: T.StringType() = _source_field("groups")
    reason: T.StringType() = _reason_field(GROUP_REJECTION_REASONS)

    class Config:
        strict = True
        name = "groups_rejected"
        description = (
            "One row per rejected record of the groups export (not valid JSON, "
            "wrong types, a broken raw rule, a losing duplicate); no key."
        )
        metadata = {
            "grain": "one row per rejected group record",
            "key": [],
            "relationships": {},
        }


class UsersRejected(_Rejected):
    """User records quarantined by the raw layer."""

    source: T.StringType() = _source_field("users")
    reason: T.StringType() = _reason_field(USER_REJECTION_REASONS)

    class Config:
        strict = True
        name = "users_rejected"
        description = (
            "One row per rejected record of the users export (not valid JSON, "
            "wrong types, a broken raw rule, a losing duplicate); no key."
        )
        metadata = {
            "grain": "one row per rejected user record",
            "key": [],
            "relationships": {},
        }


class VenuesRejected(_Rejected):
    """Venue records quarantined by the raw layer."""

    source: T.StringType() = _source_field("venues")
    reason: T.StringType() = _reason_field(VENUE_REJECTION_REASONS)

    class Config:
        strict = True
        name = "venues_rejected"
        description = (
            "One row per rejected record of the venues export (not valid JSON, "
            "wrong types, a broken raw rule, a losing duplicate); no key."
        )
        metadata = {
            "grain": "one row per rejected venue record",
            "key": [],
            "relationships": {},
        }


class RawLoadReport(pa.DataFrameModel):
    """Per source and batch: records read, accepted and rejected."""

    source: T.StringType() = pa.Field(
        isin=SOURCES, description="Export source: events, groups, users or venues."
    )
    records_read: T.LongType() = non_negative_field(
        "Records read from the batch's unprocessed files."
    )
    records_accepted: T.LongType() = non_negative_field(
        "Records of the batch written to raw.raw_<source>."
    )
    records_rejected: T.LongType() = non_negative_field(
        "Records of the batch written to raw.<source>_rejected."
    )
    records_unaccounted: T.LongType() = non_negative_field(
        "records_read - records_accepted - records_rejected: records superseded by "
        "a newer delivery already stored (incremental runs only); 0 on a full "
        "refresh."
    )
    batch_id_: T.LongType() = batch_id_field()
    checked_at: T.TimestampType() = pa.Field(
        description="When the counts were taken (UTC)."
    )

    class Config:
        strict = True
        name = "raw_load_report"
        description = (
            "One row per source per run (appended history) reconciling records "
            "read with records accepted and rejected; no key."
        )
        metadata = {
            "grain": "one row per source per run",
            "key": [],
            "relationships": {},
        }


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "raw_events": RawEvents,
    "raw_groups": RawGroups,
    "raw_users": RawUsers,
    "raw_venues": RawVenues,
    "events_rejected": EventsRejected,
    "groups_rejected": GroupsRejected,
    "users_rejected": UsersRejected,
    "venues_rejected": VenuesRejected,
    "raw_load_report": RawLoadReport,
}
