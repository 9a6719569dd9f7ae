"""The pbi layer pipeline."""

from motors_meetup.pipelines.pbi.pipeline import create_pipeline

__all__ = ["create_pipeline"]
