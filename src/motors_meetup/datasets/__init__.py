"""Kedro datasets of the project: Delta tables, views of them, and raw JSON sources."""

from motors_meetup.datasets.delta_table import DeltaTableDataset
from motors_meetup.datasets.delta_view import DeltaViewDataset
from motors_meetup.datasets.json_source import JsonSourceDataset

__all__ = ["DeltaTableDataset", "DeltaViewDataset", "JsonSourceDataset"]
