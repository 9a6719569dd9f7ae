"""``plans``: what is known of a frame without running it."""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from motors_meetup.plans import deliveries_of, nothing_to_write, record_deliveries


def test_only_a_frame_cut_to_no_rows_last_has_nothing_to_write(
    spark: SparkSession,
) -> None:
    people = spark.createDataFrame([(1, "Ada"), (2, "Grace")], "id int, name string")

    assert nothing_to_write(people.limit(0)) is True
    assert nothing_to_write(people.where("id > 5").select("id").limit(0)) is True
    # Empty, but not said in the plan's last step: the frame has to be run.
    assert nothing_to_write(people.where(F.col("id") > 5)) is False
    assert nothing_to_write(people.limit(0).select("id")) is False
    assert nothing_to_write(spark.createDataFrame([], "id int")) is False
    assert nothing_to_write(people.limit(1)) is False
    assert nothing_to_write(people) is False


def test_the_deliveries_of_a_frame_are_those_recorded_for_that_frame(
    spark: SparkSession,
) -> None:
    records = spark.createDataFrame([("d1", "{}")], "delivery_id string, record string")
    derived = records.where("record is not null")

    record_deliveries(records, ["d1", "d2", "d1"])

    assert deliveries_of(records) == frozenset({"d1", "d2"})
    assert deliveries_of(derived) is None
