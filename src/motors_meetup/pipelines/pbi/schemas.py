"""Contracts of the pbi layer: each one is its mart's contract, re-pointed at pbi.

A pbi table has its mart's rows and columns, with every ``*_sk`` key cast to STRING
and moved last. The marts' keys are already md5 hex strings and column order is not
checked (``ordered`` is off), so each model subclasses its mart's model, inheriting
columns, checks, ``strict`` and ``unique``, and only restates name, description and
metadata, whose relationships point at the pbi dimensions.
"""

from typing import Any

import pandera.pyspark as pa

from motors_meetup.pipelines.marts.schemas import (
    DimDate,
    DimEvents,
    DimGroups,
    DimUsers,
    DimVenues,
    FactEventAttendance,
    FactGroupActivity,
    FactGroupMemberships,
    FactRsvps,
    FactVenueActivity,
)
from motors_meetup.pipelines.pbi.pipeline import PBI_TABLES

PBI_TABLE_OF_MART = {mart: table for table, mart in PBI_TABLES.items()}


def pbi_description(mart: type[pa.DataFrameModel]) -> str:
    """The mart's description, stated for its Power BI copy."""
    return (
        f"{mart.Config.description.rstrip('.')}; the Power BI copy of "
        f"marts.{mart.Config.name}, every *_sk key as text and placed last."
    )


def pbi_metadata(mart: type[pa.DataFrameModel]) -> dict[str, Any]:
    """The mart's grain and key, its relationships re-pointed at the pbi tables."""
    metadata = mart.Config.metadata
    relationships = {}
    for column, target in metadata["relationships"].items():
        layer, table, target_column = target.split(".")
        if layer != "marts":
            raise ValueError(f"{mart.Config.name}.{column} points outside marts")
        relationships[column] = f"pbi.{PBI_TABLE_OF_MART[table]}.{target_column}"
    return {
        "grain": metadata["grain"],
        "key": list(metadata["key"]),
        "relationships": relationships,
    }


class PbiDimDate(DimDate):
    """marts.dim_date for Power BI; key ``date_id``."""

    class Config:
        name = "pbi_dim_date"
        description = pbi_description(DimDate)
        metadata = pbi_metadata(DimDate)


class PbiDimEvents(DimEvents):
    """marts.dim_events for Power BI; key ``event_sk``."""

    class Config:
        name = "pbi_dim_events"
        description = pbi_description(DimEvents)
        metadata = pbi_metadata(DimEvents)


class PbiDimGroups(DimGroups):
    """marts.dim_groups for Power BI; key ``group_sk``."""

    class Config:
        name = "pbi_dim_groups"
        description = pbi_description(DimGroups)
        metadata = pbi_metadata(DimGroups)


class PbiDimUsers(DimUsers):
    """marts.dim_users for Power BI; key ``user_sk``."""

    class Config:
        name = "pbi_dim_users"
        description = pbi_description(DimUsers)
        metadata = pbi_metadata(DimUsers)


class PbiDimVenues(DimVenues):
    """marts.dim_venues for Power BI; key ``venue_sk``."""

    class Config:
        name = "pbi_dim_venues"
        description = pbi_description(DimVenues)
        metadata = pbi_metadata(DimVenues)


class PbiFactEvents(FactEventAttendance):
    """marts.fact_event_attendance for Power BI (the dbt name); key ``event_sk``."""

    class Config:
        name = "pbi_fact_events"
        description = pbi_description(FactEventAttendance)
        metadata = pbi_metadata(FactEventAttendance)


class PbiFactGroupActivity(FactGroupActivity):
    """marts.fact_group_activity for Power BI; key (``group_sk``, ``activity_date``)."""

    class Config:
        name = "pbi_fact_group_activity"
        description = pbi_description(FactGroupActivity)
        metadata = pbi_metadata(FactGroupActivity)


class PbiFactGroupMemberships(FactGroupMemberships):
    """marts.fact_group_memberships for Power BI; key ``membership_sk``."""

    class Config:
        name = "pbi_fact_group_memberships"
        description = pbi_description(FactGroupMemberships)
        metadata = pbi_metadata(FactGroupMemberships)


class PbiFactRsvps(FactRsvps):
    """marts.fact_rsvps for Power BI; key ``rsvp_sk``."""

    class Config:
        name = "pbi_fact_rsvps"
        description = pbi_description(FactRsvps)
        metadata = pbi_metadata(FactRsvps)


class PbiFactVenueActivity(FactVenueActivity):
    """marts.fact_venue_activity for Power BI; key (``venue_sk``, ``activity_date``)."""

    class Config:
        name = "pbi_fact_venue_activity"
        description = pbi_description(FactVenueActivity)
        metadata = pbi_metadata(FactVenueActivity)


CONTRACTS: dict[str, type[pa.DataFrameModel]] = {
    "pbi_dim_date": PbiDimDate,
    "pbi_dim_events": PbiDimEvents,
    "pbi_dim_groups": PbiDimGroups,
    "pbi_dim_users": PbiDimUsers,
    "pbi_dim_venues": PbiDimVenues,
    "pbi_fact_events": PbiFactEvents,
    "pbi_fact_group_activity": PbiFactGroupActivity,
    "pbi_fact_group_memberships": PbiFactGroupMemberships,
    "pbi_fact_rsvps": PbiFactRsvps,
    "pbi_fact_venue_activity": PbiFactVenueActivity,
}
