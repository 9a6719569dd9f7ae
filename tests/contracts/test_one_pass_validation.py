"""The one-pass contract check passes exactly what pandera passes."""

from __future__ import annotations

import pandera.pyspark as pa
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import types as T

from motors_meetup.contracts import findings
from motors_meetup.contracts.validation import passes_in_one_pass


class Answers(pa.DataFrameModel):
    """A small contract using every kind of check the project's contracts use."""

    answer_key: T.StringType() = pa.Field(str_matches=r"[0-9a-f]{4}")
    response: T.StringType() = pa.Field(isin=["yes", "no"])
    guests: T.IntegerType() = pa.Field(ge=0, nullable=True)
    lat: T.DoubleType() = pa.Field(in_range={"min_value": -90, "max_value": 90})
    version: T.IntegerType() = pa.Field(eq=1)

    class Config:
        strict = True
        unique = ["answer_key"]


SCHEMA = "answer_key string, response string, guests int, lat double, version int"
GOOD = [("00af", "yes", 0, 10.0, 1), ("00b0", "no", None, -90.0, 1)]


@pytest.mark.parametrize(
    ("rows", "schema", "failed_check"),
    [
        (GOOD, SCHEMA, None),
        ([*GOOD, ("00af", "no", 1, 0.0, 1)], SCHEMA, "unique"),
        ([("zz", "yes", 0, 0.0, 1)], SCHEMA, "str_matches"),
        ([("00aa", "maybe", 0, 0.0, 1)], SCHEMA, "isin"),
        ([("00aa", "yes", -1, 0.0, 1)], SCHEMA, "greater_than_or_equal_to"),
        ([("00aa", "yes", 0, 90.5, 1)], SCHEMA, "in_range"),
        ([("00aa", "yes", 0, 0.0, 2)], SCHEMA, "equal_to"),
        ([(None, "yes", 0, 0.0, 1)], SCHEMA, "not_nullable"),
        (
            [("00aa", "yes", 0, 0.0, 1)],
            SCHEMA.replace("guests int", "guests long"),
            "dtype",
        ),
    ],
)
def test_one_pass_passes_exactly_what_pandera_passes(
    spark: SparkSession, rows: list[tuple], schema: str, failed_check: str | None
) -> None:
    frame = spark.createDataFrame(rows, schema)
    fast = passes_in_one_pass(frame, Answers)
    found = findings("t", frame, Answers)
    assert fast is (failed_check is None)
    if failed_check is None:
        assert found == []
    else:
        assert any(failed_check in f.check for f in found), found
