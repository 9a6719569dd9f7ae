"""Project pipelines: one per layer; ``__default__`` runs all five in order."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register the layer pipelines found under ``motors_meetup.pipelines``."""
    pipelines = find_pipelines(raise_errors=False)
    pipelines["__default__"] = sum(pipelines.values(), Pipeline([]))
    return pipelines
