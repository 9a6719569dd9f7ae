"""Shared column rules (the dbt project's macros): every node uses these.

* :func:`surrogate_key` reproduces ``dbt_utils.generate_surrogate_key`` byte for byte.
* :func:`epoch_ms_to_timestamp` / :func:`ms_to_whole_seconds` convert Meetup's epoch
  milliseconds, truncated to whole seconds as the dbt project did.
* :func:`whole_days_between` counts whole 24-hour periods, like Databricks
  ``datediff(day, a, b)`` on timestamps.
* :func:`clean_description` applies the description-cleaning rule of DESIGN §6.
* :func:`latest_first` builds the deterministic "latest" ordering used for versions.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pyspark.sql import Column, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.window import WindowSpec

from motors_meetup import text_cleaning

SURROGATE_KEY_NULL = "_dbt_utils_surrogate_key_null_"
SURROGATE_KEY_SEPARATOR = "-"
MS_PER_SECOND = 1000
SECONDS_PER_DAY = 86_400


def surrogate_key(*columns: Column | str) -> Column:
    """md5 hex of the values cast to string, NULL as dbt_utils' placeholder, '-'-joined.

    Identical to ``dbt_utils.generate_surrogate_key([...])`` on Databricks, so keys
    survive the migration: ``surrogate_key(F.lit("42"))`` is md5('42').
    """
    if not columns:
        raise ValueError("surrogate_key needs at least one column")
    parts = [
        F.coalesce(_col(column).cast("string"), F.lit(SURROGATE_KEY_NULL))
        for column in columns
    ]
    return F.md5(F.concat_ws(SURROGATE_KEY_SEPARATOR, *parts))


def epoch_ms_to_timestamp(column: Column | str) -> Column:
    """Epoch milliseconds to a UTC timestamp truncated to the whole second."""
    ms = _col(column)
    return F.timestamp_seconds(
        _exact_div(ms - F.pmod(ms, F.lit(MS_PER_SECOND)), MS_PER_SECOND)
    )


def ms_to_whole_seconds(column: Column | str) -> Column:
    """A duration in milliseconds as whole seconds, truncated toward zero (bigint)."""
    return _div_toward_zero(_col(column), MS_PER_SECOND)


def whole_days_between(start: Column | str, end: Column | str) -> Column:
    """Whole 24-hour periods elapsed from ``start`` to ``end``, truncated toward zero.

    Dates count as their midnight (UTC session time zone). Negative when ``end`` is
    before ``start``; null when either is null.
    """
    seconds = F.unix_timestamp(_as_timestamp(end)) - F.unix_timestamp(
        _as_timestamp(start)
    )
    return _div_toward_zero(seconds, SECONDS_PER_DAY).cast("int")


def clean_description(column: Column | str) -> Column:
    """The cleaned, plain-text form of an HTML description (DESIGN §6)."""
    return _clean_description_udf(_col(column))


@F.pandas_udf(T.StringType())  # type: ignore[call-overload]
def _clean_description_udf(texts: pd.Series) -> pd.Series:
    # Decoding every HTML entity and splitting paragraphs has no Spark built-in.
    return texts.map(text_cleaning.clean_description, na_action="ignore")


def clean_identifier(column: Column | str) -> Column:
    """``column`` with every character outside ``[A-Za-z0-9_]`` replaced by ``_``."""
    return F.regexp_replace(_col(column), r"[^A-Za-z0-9_]", "_")


def id_string(column: Column | str) -> Column:
    """An id as text: trimmed, empty as null (ids arrive as numbers or strings)."""
    text = F.trim(_col(column).cast("string"))
    return F.when(text != "", text)


def latest_first(partition_by: Iterable[str], order_by: Iterable[Column]) -> WindowSpec:
    """A window over ``partition_by`` whose first row is the latest version."""
    return Window.partitionBy(*partition_by).orderBy(*order_by)


def round_half_up(column: Column | str, digits: int) -> Column:
    """Half-up rounding through a decimal, so 72.05 rounds to 72.1 (not 72.0)."""
    return F.round(_col(column).cast("decimal(38,6)"), digits).cast("double")


def _as_timestamp(column: Column | str) -> Column:
    return _col(column).cast("timestamp")


def _col(column: Column | str) -> Column:
    return F.col(column) if isinstance(column, str) else column


def _div_toward_zero(numerator: Column, denominator: int) -> Column:
    # Spark's % keeps the dividend's sign, so this truncates toward zero like SQL div.
    return _exact_div(numerator - numerator % F.lit(denominator), denominator)


def _exact_div(numerator: Column, denominator: int) -> Column:
    # numerator is an exact multiple of denominator: the quotient is a whole number.
    return (numerator / F.lit(denominator)).cast("long")
