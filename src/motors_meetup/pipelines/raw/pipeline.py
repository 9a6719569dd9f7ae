"""Raw pipeline: sources.<source> -> raw.raw_<source> (+ raw.<source>_rejected)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from motors_meetup.pipelines.raw import nodes

SOURCES = ("events", "groups", "users", "venues")


def create_pipeline(**kwargs: object) -> Pipeline:
    """Type every source, quarantine bad records, report the reconciliation."""
    typing_nodes = [
        Node(
            getattr(nodes, f"raw_{source}"),
            inputs=[f"sources.{source}", "params:raw"],
            outputs=[f"raw.raw_{source}", f"raw.{source}_rejected"],
            name=f"raw_{source}",
            tags=["raw"],
        )
        for source in SOURCES
    ]
    report = Node(
        nodes.raw_load_report,
        inputs=[
            name
            for source in SOURCES
            for name in (f"raw.raw_{source}", f"raw.{source}_rejected")
        ],
        outputs="raw.raw_load_report",
        name="raw_load_report",
        tags=["raw"],
    )
    return Pipeline([*typing_nodes, report])
