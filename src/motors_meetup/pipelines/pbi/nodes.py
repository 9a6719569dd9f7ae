"""PBI layer: the marts as Power BI reads them.

Power BI cannot relate tables on binary keys, so every surrogate key is text. Each
pbi dataset is a view of its mart (``DeltaViewDataset``), so these nodes must stay
projections: columns of the mart, reordered, cast where needed.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import types as T

KEY_SUFFIX = "_sk"


def pbi_table(mart: DataFrame) -> DataFrame:
    """The mart's rows and columns, every ``*_sk`` column as STRING and moved after
    the other columns (keys keep their relative order); same grain and key.

    The marts' keys are md5 hex text already, so they are cast only when they are
    not (a view then selects them as they are).
    """
    keys = [name for name in mart.columns if name.endswith(KEY_SUFFIX)]
    others = [name for name in mart.columns if not name.endswith(KEY_SUFFIX)]
    return mart.select(
        *[mart[name] for name in others], *[_as_text(mart, name) for name in keys]
    )


def _as_text(mart: DataFrame, name: str) -> Column:
    if isinstance(mart.schema[name].dataType, T.StringType):
        return mart[name]
    return mart[name].cast("string").alias(name)
