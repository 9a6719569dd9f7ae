"""The marts layer pipeline."""

from motors_meetup.pipelines.marts.pipeline import create_pipeline

__all__ = ["create_pipeline"]
