"""The data tests pipeline (``kedro run --pipeline data_tests``)."""

from motors_meetup.pipelines.data_tests.pipeline import create_pipeline

__all__ = ["create_pipeline"]
