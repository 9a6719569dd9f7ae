"""PBI layer: the marts as Power BI reads them.

Power BI cannot relate tables on binary keys, so every surrogate key is text.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from motors_meetup.incremental import changed

KEY_SUFFIX = "_sk"


def pbi_table(mart: DataFrame) -> DataFrame:
    """The mart's rows and columns, every ``*_sk`` column cast to STRING and moved
    after the other columns (keys keep their relative order); same grain and key.
    """
    keys = [name for name in mart.columns if name.endswith(KEY_SUFFIX)]
    others = [name for name in mart.columns if not name.endswith(KEY_SUFFIX)]
    return mart.select(
        *[mart[name] for name in others],
        *[mart[name].cast("string").alias(name) for name in keys],
    )


def pbi_table_increment(mart: DataFrame, batch: DataFrame) -> DataFrame:
    """``pbi_table`` of the mart rows the batch wrote; same grain and key."""
    return pbi_table(changed(mart, batch))
