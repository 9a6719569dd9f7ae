"""Does partitioning pay off? Measure a stored table written three ways.

Takes a built warehouse's ``stg_events`` (the table DESIGN suggests partitioning,
by ``event_partition_date``) and times, for no partitioning, partitions by day and
partitions by month: the full write, a MERGE of 1% of the events (as a delivery of
re-exported events would), and a typical filtered read (one month of events, as a
Power BI incremental refresh asks for). Prints the median of ``--repeat`` runs and
the files each layout leaves.

    python benchmarks/partitioning.py --warehouse /tmp/mm-bench/wh_100000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.warehouse import open_warehouse

LAYOUTS: dict[str, list[str]] = {
    "none": [],
    "by day (event_partition_date)": ["event_partition_date"],
    "by month": ["event_partition_month"],
}


def _timed(action: Callable[[], object], repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def measure(spark: SparkSession, events: DataFrame, repeat: int) -> list[tuple]:
    """(layout, write s, merge s, read s, files) per layout."""
    events = events.withColumn(
        "event_partition_month",
        F.date_trunc("month", "event_partition_date").cast("date"),
    ).persist()
    events.count()
    changes = (
        events.sample(fraction=0.01, seed=7)
        .withColumn("event_name", F.concat("event_name", F.lit(" (renamed)")))
        .persist()
    )
    changes.count()
    month = events.agg(F.max("event_partition_month")).first()[0]
    rows = []
    for layout, columns in LAYOUTS.items():
        path = tempfile.mkdtemp(prefix="mm-part-")

        def write(path: str = path, columns: list[str] = columns) -> None:
            writer = events.write.format("delta").mode("overwrite")
            writer.partitionBy(*columns).save(path)

        def merge(path: str = path) -> None:
            (
                DeltaTable.forPath(spark, path)
                .alias("t")
                .merge(changes.alias("s"), "t.event_id = s.event_id")
                .whenMatchedUpdateAll()
                .whenNotMatchedInsertAll()
                .execute()
            )

        def read(path: str = path) -> None:
            table = spark.read.format("delta").load(path)
            table.where(F.col("event_partition_month") == F.lit(month)).agg(
                F.count("*"), F.sum("rsvp_limit")
            ).collect()

        write_s = _timed(write, repeat)
        merge_s = _timed(merge, repeat)
        read_s = _timed(read, repeat)
        files = DeltaTable.forPath(spark, path).detail().first()["numFiles"]
        rows.append((layout, write_s, merge_s, read_s, files))
        shutil.rmtree(path, ignore_errors=True)
    return rows


def main() -> None:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    [table_dir] = sorted(args.warehouse.glob("*/*_staging/stg_events"))
    spark = open_warehouse(args.warehouse)
    events = spark.read.format("delta").load(str(table_dir))
    count = events.count()
    print(f"stg_events: {count:,} rows; repeat={args.repeat} (median)")  # noqa: T201
    header = f"{'layout':<30} {'write s':>8} {'1% merge s':>10} {'month read s':>12}"
    print(f"{header} {'files':>6}")  # noqa: T201
    for layout, write_s, merge_s, read_s, files in measure(spark, events, args.repeat):
        print(  # noqa: T201
            f"{layout:<30} {write_s:>8.1f} {merge_s:>10.1f} {read_s:>12.2f} {files:>6}"
        )


if __name__ == "__main__":
    main()
