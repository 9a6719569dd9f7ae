"""The intermediate layer pipeline."""

from motors_meetup.pipelines.intermediate.pipeline import create_pipeline

__all__ = ["create_pipeline"]
