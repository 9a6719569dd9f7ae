"""Batch bookkeeping pipeline."""

from motors_meetup.pipelines.batch.pipeline import create_pipeline

__all__ = ["create_pipeline"]
