"""Where the contracts of every layer are gathered under their dataset names."""

from __future__ import annotations

from functools import cache
from importlib import import_module

import pandera.pyspark as pa

LAYERS = ("raw", "staging", "intermediate", "marts", "pbi")


@cache
def all_contracts() -> dict[str, type[pa.DataFrameModel]]:
    """Every table's contract, keyed by dataset name ``<layer>.<table>``."""
    contracts: dict[str, type[pa.DataFrameModel]] = {}
    for layer in LAYERS:
        module = import_module(f"motors_meetup.pipelines.{layer}.schemas")
        for table, model in module.CONTRACTS.items():
            contracts[f"{layer}.{table}"] = model
    return contracts


def contract_for(dataset_name: str) -> type[pa.DataFrameModel] | None:
    """The contract of a dataset, or None for datasets without one."""
    return all_contracts().get(dataset_name)
