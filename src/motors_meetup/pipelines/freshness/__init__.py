"""The source freshness pipeline (``kedro run --pipeline freshness``)."""

from motors_meetup.pipelines.freshness.pipeline import create_pipeline

__all__ = ["create_pipeline"]
