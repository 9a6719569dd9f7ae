"""Delta table maintenance: OPTIMIZE (compaction) and VACUUM."""

from motors_meetup.pipelines.maintenance.pipeline import create_pipeline

__all__ = ["create_pipeline"]
