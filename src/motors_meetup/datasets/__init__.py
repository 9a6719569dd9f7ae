"""Kedro datasets of the project: Delta tables and raw JSON sources."""

from motors_meetup.datasets.delta_table import DeltaTableDataset
from motors_meetup.datasets.json_source import JsonSourceDataset

__all__ = ["DeltaTableDataset", "JsonSourceDataset"]
