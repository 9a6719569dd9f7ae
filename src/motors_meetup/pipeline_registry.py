"""Project pipelines: one per layer; ``__default__`` runs them all in order."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

WAREHOUSE = ("raw", "staging", "intermediate", "marts", "pbi", "batch")


def register_pipelines() -> dict[str, Pipeline]:
    """Register the pipelines found under ``motors_meetup.pipelines``.

    ``__default__`` builds the warehouse: the five layers, then closes the batch.
    Other pipelines (data tests, freshness) run on their own. Kedro may load only
    the pipelines a run names, so missing ones are skipped here.
    """
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipelines[name] for name in WAREHOUSE if name in pipelines), Pipeline([])
    )
    return pipelines
