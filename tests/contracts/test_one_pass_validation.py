"""The one-pass contract check passes exactly what pandera passes."""

from __future__ import annotations

import pandera.pyspark as pa
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from motors_meetup.contracts import findings, validation
from motors_meetup.contracts.validation import OnePass, passes_in_one_pass


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


def _pandera_findings(frame: DataFrame) -> set[tuple[str, str]]:
    """(column, check) of every failure pandera finds validating the whole model."""
    errors = dict(Answers.validate(check_obj=frame).pandera.errors or {})
    return {
        (str(report["column"]), str(report["check"]))
        for scope in errors.values()
        for reports in scope.values()
        for report in reports
    }


def test_failures_are_reported_as_pandera_reports_them_validating_everything(
    spark: SparkSession,
) -> None:
    # Three failures in two columns and a duplicated key; the other checks pass.
    frame = spark.createDataFrame(
        [*GOOD, ("00af", "maybe", -1, 0.0, 1), ("00b1", "yes", None, 0.0, 1)],
        SCHEMA,
    )

    found = {(f.column, f.check) for f in findings("t", frame, Answers)}

    assert found == _pandera_findings(frame)
    assert {check.split("(")[0] for _, check in found} == {
        "isin",
        "greater_than_or_equal_to",
        "unique",
    }


def test_only_the_failed_checks_are_left_for_pandera(spark: SparkSession) -> None:
    outcome = OnePass({"guests": ("greater_than_or_equal_to",)}, duplicated=False)

    narrowed = outcome.narrowed(Answers.to_schema())

    assert list(narrowed.columns) == ["guests"]
    assert [c.name for c in narrowed.columns["guests"].checks] == [
        "greater_than_or_equal_to"
    ]
    assert narrowed.unique is None
    assert narrowed.strict is False


def test_pandera_validates_everything_when_it_passes_what_one_pass_failed(
    spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should the one-pass aggregation ever blame the wrong check (here: a version
    # check that holds, while a response is not allowed), pandera passes the
    # narrowed contract and then validates the whole one, which finds the failure.
    wrong = OnePass({"version": ("equal_to",)}, duplicated=False)
    monkeypatch.setattr(validation, "_one_pass", lambda *args: wrong)
    frame = spark.createDataFrame([("00aa", "maybe", 0, 0.0, 1)], SCHEMA)

    found = findings("t", frame, Answers)

    assert [(f.column, f.check.split("(")[0]) for f in found] == [("response", "isin")]
