"""PBI pipeline: marts.<table> -> pbi.pbi_<table>, one node per table.

Each pbi dataset is a view of its mart (``conf/base/catalog.yml``), as the dbt
project's pbi models were: saving it stores a definition, no rows.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.pipelines.pbi import nodes

# pbi table -> the mart it presents (pbi_fact_events keeps the dbt project's name).
PBI_TABLES = {
    "pbi_dim_date": "dim_date",
    "pbi_dim_events": "dim_events",
    "pbi_dim_groups": "dim_groups",
    "pbi_dim_users": "dim_users",
    "pbi_dim_venues": "dim_venues",
    "pbi_fact_events": "fact_event_attendance",
    "pbi_fact_group_activity": "fact_group_activity",
    "pbi_fact_group_memberships": "fact_group_memberships",
    "pbi_fact_rsvps": "fact_rsvps",
    "pbi_fact_venue_activity": "fact_venue_activity",
}


def create_pipeline(**kwargs: object) -> Pipeline:
    """One node per pbi view, named after it, applying ``pbi_table`` to its mart."""
    return Pipeline(
        [
            Node(
                nodes.pbi_table,
                inputs=f"marts.{mart}",
                outputs=f"pbi.{table}",
                name=table,
                tags=["pbi"],
            )
            for table, mart in PBI_TABLES.items()
        ]
    )
