"""The raw layer pipeline."""

from motors_meetup.pipelines.raw.pipeline import create_pipeline

__all__ = ["create_pipeline"]
