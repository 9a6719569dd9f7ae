"""Maintenance pipeline: OPTIMIZE and VACUUM the stored tables -> audit.maintenance_log.

Run on its own: ``kedro run --pipelines maintenance`` (the weekly Databricks job runs
it after the full refresh). Settings: ``conf/base/parameters_maintenance.yml``.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.pipelines.maintenance import nodes


def create_pipeline(**kwargs: object) -> Pipeline:
    """One node: maintain every table, log what it did."""
    return Pipeline(
        [
            Node(
                nodes.maintain_tables,
                inputs=["params:maintenance", "params:maintenance_warehouse"],
                outputs="audit.maintenance_log",
                name="maintain_tables",
            )
        ],
        tags=["maintenance"],
    )
