"""Field builders the contracts of every layer share.

A column that flows through several layers keeps its rule (md5 key, coordinate
range, accepted values...) while its description changes with the table, so each
builder takes the description and writes the rule once. The value lists come from
the nodes that apply them (``raw/nodes.py``), so a contract accepts exactly what the
pipeline writes.
"""

from __future__ import annotations

from typing import Any

import pandera.pyspark as pa

from motors_meetup.pipelines.raw.nodes import (
    EVENT_STATUSES,
    MAX_LATITUDE,
    MAX_LONGITUDE,
    RESPONSES,
)

MD5_PATTERN = r"^[0-9a-f]{32}$"
IDENTIFIER_PATTERN = r"^[A-Za-z0-9_]+$"


def md5_field(
    description: str, *, nullable: bool = False, alias: str | None = None
) -> Any:
    """A surrogate key or digest: md5 hex, 32 lower-case hex digits."""
    return pa.Field(
        str_matches=MD5_PATTERN, nullable=nullable, alias=alias, description=description
    )


def identifier_field(description: str) -> Any:
    """An identifier-safe text (only ``[A-Za-z0-9_]``, never empty); never null."""
    return pa.Field(str_matches=IDENTIFIER_PATTERN, description=description)


def latitude_field(description: str) -> Any:
    """A latitude in degrees, within [-90, 90]; null when the source has none."""
    return pa.Field(
        in_range={"min_value": -MAX_LATITUDE, "max_value": MAX_LATITUDE},
        nullable=True,
        description=description,
    )


def longitude_field(description: str) -> Any:
    """A longitude in degrees, within [-180, 180]; null when the source has none."""
    return pa.Field(
        in_range={"min_value": -MAX_LONGITUDE, "max_value": MAX_LONGITUDE},
        nullable=True,
        description=description,
    )


def flag_field(description: str) -> Any:
    """A boolean flag: never null (DESIGN §6)."""
    return pa.Field(nullable=False, description=description)


def non_negative_field(description: str, *, nullable: bool = False) -> Any:
    """A count, duration or limit: 0 or more."""
    return pa.Field(ge=0, nullable=nullable, description=description)


def version_number_field(description: str) -> Any:
    """A row's rank among the versions of its entity: 1 = latest."""
    return pa.Field(ge=1, description=description)


def event_status_field(description: str) -> Any:
    """An event's Meetup status, one of ``EVENT_STATUSES``; null when not exported."""
    return pa.Field(isin=EVENT_STATUSES, nullable=True, description=description)


def response_field(description: str) -> Any:
    """An RSVP answer, one of ``RESPONSES`` (yes, no, waitlist); never null."""
    return pa.Field(isin=RESPONSES, description=description)


def batch_id_field() -> Any:
    """``_batch_id``: the run batch that last wrote the row (incremental runs)."""
    return pa.Field(
        alias="_batch_id",
        ge=1,
        description=(
            "Number of the run batch (audit.run_batch) that last wrote or changed "
            "this row; incremental runs recompute downstream only the rows stamped "
            "with the current batch."
        ),
    )
