"""The staging layer pipeline."""

from motors_meetup.pipelines.staging.pipeline import create_pipeline

__all__ = ["create_pipeline"]
