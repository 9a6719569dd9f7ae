"""``DeltaTableDataset`` in path mode: a Delta table under ``tmp_path``.

Every test uses its own schema name: the test session's Spark catalog is shared, and
a name registered once keeps pointing at its first location.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from kedro.io import DatasetError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.datasets.delta_table import (
    USER_METADATA_OPTION,
    DeltaTableDataset,
    _commit_user_metadata,
)

SCHEMA = "id int, name string"


def dataset(tmp_path: Path, schema: str, **options: Any) -> DeltaTableDataset:
    return DeltaTableDataset(
        table="people",
        schema=schema,
        catalog="workspace",
        warehouse_dir=str(tmp_path),
        **options,
    )


def frame(spark: SparkSession, rows: list[tuple], schema: str = SCHEMA) -> DataFrame:
    return spark.createDataFrame(rows, schema)


def rows_of(frame: DataFrame) -> list[tuple]:
    return sorted(tuple(row) for row in frame.collect())


def test_overwrite_then_load_round_trips_and_registers_the_table_by_name(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(tmp_path, "test_delta_overwrite")
    assert not people.exists()

    people.save(frame(spark, [(1, "Ada"), (2, "Grace")]))
    # Overwrite replaces the rows and the schema.
    people.save(frame(spark, [(3, "Linus", True)], f"{SCHEMA}, active boolean"))

    assert (tmp_path / "workspace/test_delta_overwrite/people/_delta_log").is_dir()
    assert people.exists()
    assert rows_of(people.load()) == [(3, "Linus", True)]
    assert spark.catalog.tableExists("test_delta_overwrite.people")
    assert rows_of(spark.table("test_delta_overwrite.people")) == [(3, "Linus", True)]


def test_merge_upserts_on_the_primary_key(spark: SparkSession, tmp_path: Path) -> None:
    schema = "id int, day string, visits int"
    visits = dataset(
        tmp_path, "test_delta_merge", write_mode="merge", primary_key=["id", "day"]
    )
    visits.save(frame(spark, [(1, "mon", 1), (1, "tue", 1)], schema))  # creates it

    # (1, tue) matches on the whole key and is updated; (2, tue) is new.
    visits.save(frame(spark, [(1, "tue", 5), (2, "tue", 1)], schema))

    assert rows_of(visits.load()) == [(1, "mon", 1), (1, "tue", 5), (2, "tue", 1)]


def test_a_merge_computes_an_uncached_increment_once(
    spark: SparkSession, tmp_path: Path
) -> None:
    visits = dataset(
        tmp_path, "test_delta_merge_once", write_mode="merge", primary_key="id"
    )
    visits.save(frame(spark, [(1, "Ada")]))
    computed = spark.sparkContext.accumulator(0)

    def counted(key: int) -> int:
        computed.add(1)
        return key

    # The emptiness check and each phase of the MERGE read the increment (its key
    # at least): it is cached for the save and released after, so each row is
    # computed once.
    increment = frame(spark, [(1, "Ada L."), (2, "Grace")]).withColumn(
        "id", F.udf(counted, "int")("id")
    )
    visits.save(increment)
    assert (computed.value, increment.is_cached) == (2, False)
    assert rows_of(visits.load()) == [(1, "Ada L."), (2, "Grace")]


def test_merge_with_skip_unchanged_leaves_identical_rows_and_their_batch_alone(
    spark: SparkSession, tmp_path: Path
) -> None:
    schema = "id int, name string, city string, _batch_id bigint"
    people = dataset(
        tmp_path,
        "test_delta_skip",
        write_mode="merge",
        primary_key="id",
        skip_unchanged=True,
    )
    people.save(frame(spark, [(1, "Ada", "London", 1), (2, "Grace", None, 1)], schema))

    # Batch 2 recomputes both: Ada is the same (only the audit column differs),
    # Grace now has a city (null -> value counts as a change); Linus is new.
    people.save(
        frame(
            spark,
            [(1, "Ada", "London", 2), (2, "Grace", "NYC", 2), (3, "Linus", None, 2)],
            schema,
        )
    )

    assert rows_of(people.load()) == [
        (1, "Ada", "London", 1),
        (2, "Grace", "NYC", 2),
        (3, "Linus", None, 2),
    ]
    assert people.storage["skip_unchanged"] is True


def test_a_copy_on_write_merge_of_unchanged_rows_only_commits_no_version(
    spark: SparkSession, tmp_path: Path
) -> None:
    schema = "id int, name string, _batch_id bigint"
    people = dataset(
        tmp_path,
        "test_delta_skip_cow",
        write_mode="merge",
        primary_key="id",
        skip_unchanged=True,
        rebuild="on_input_change",
        table_properties={"delta.enableDeletionVectors": False},
    )
    people.prepare_rebuild("stamp-1", {"raw.src": "1@1"})
    people.save(frame(spark, [(1, "Ada", 1), (2, "Grace", 1)], schema))
    written = people.state()

    # Batch 2 re-delivers Ada unchanged. A copy-on-write MERGE would rewrite her
    # file and commit a version with the same rows; there is nothing to write, so
    # the stamp is stored without data and the rows' state stays the same.
    people.prepare_rebuild("stamp-2", {"raw.src": "2@2"})
    people.save(frame(spark, [(1, "Ada", 2)], schema))
    last = people._delta_table().history(1).first()
    assert (last["operation"], last["operationMetrics"]["numOutputRows"]) == (
        "WRITE",
        "0",
    )
    assert (people.state(), rows_of(people.load())) == (
        written,
        [(1, "Ada", 1), (2, "Grace", 1)],
    )

    # Batch 3: Ada again unchanged, Grace renamed, Linus new. Rows change, so the
    # MERGE runs, and the condition still leaves Ada (and her batch) alone.
    people.prepare_rebuild("stamp-3", {"raw.src": "3@3"})
    people.save(
        frame(spark, [(1, "Ada", 3), (2, "Grace H.", 3), (3, "Linus", 3)], schema)
    )
    last = people._delta_table().history(1).first()
    metrics = last["operationMetrics"]
    assert (
        last["operation"],
        metrics["numTargetRowsUpdated"],
        metrics["numTargetRowsInserted"],
    ) == ("MERGE", "1", "1")
    assert rows_of(people.load()) == [
        (1, "Ada", 1),
        (2, "Grace H.", 3),
        (3, "Linus", 3),
    ]
    assert people.state() != written


def _properties(spark: SparkSession, people: DeltaTableDataset) -> dict[str, str]:
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{people.location.path}`").first()
    return dict(detail["properties"])


def test_table_properties_are_set_on_creation_and_on_an_existing_table(
    spark: SparkSession, tmp_path: Path
) -> None:
    # The session default (spark.yml) turns deletion vectors on for new tables.
    plain = dataset(
        tmp_path, "test_delta_properties", write_mode="merge", primary_key="id"
    )
    plain.save(frame(spark, [(1, "Ada")]))
    assert _properties(spark, plain)["delta.enableDeletionVectors"] == "true"

    # The same table configured without them: altered before the next MERGE...
    configured = dataset(
        tmp_path,
        "test_delta_properties",
        write_mode="merge",
        primary_key="id",
        table_properties={"delta.enableDeletionVectors": False},
    )
    configured.save(frame(spark, [(1, "Ada L."), (2, "Grace")]))
    assert _properties(spark, configured)["delta.enableDeletionVectors"] == "false"
    assert rows_of(configured.load()) == [(1, "Ada L."), (2, "Grace")]

    # ...and a table created with them configured starts with them.
    fresh = dataset(
        tmp_path / "fresh",
        "test_delta_properties_new",
        table_properties={"delta.enableDeletionVectors": "false"},
    )
    fresh.save(frame(spark, [(3, "Linus")]))
    assert _properties(spark, fresh)["delta.enableDeletionVectors"] == "false"
    assert fresh.storage["table_properties"] == {"delta.enableDeletionVectors": "false"}


def test_append_adds_rows_to_the_table(spark: SparkSession, tmp_path: Path) -> None:
    people = dataset(tmp_path, "test_delta_append", write_mode="append")

    people.save(frame(spark, [(1, "Ada")]))
    people.save(frame(spark, [(1, "Ada"), (2, "Grace")]))

    assert rows_of(people.load()) == [(1, "Ada"), (1, "Ada"), (2, "Grace")]


BATCHED = "id int, name string, _batch_id bigint"


def test_insert_appends_each_batch_and_a_rerun_replaces_its_own_rows(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(tmp_path, "test_delta_insert", write_mode="insert")
    people.save(frame(spark, [(1, "Ada", 1)], BATCHED))  # creates it
    people.save(frame(spark, [(2, "Grace", 2), (3, "Linus", 2)], BATCHED))
    # Batch 2 again (a run that crashed after this write, redone): replaced, not
    # appended a second time, and batch 1 is left alone.
    people.save(frame(spark, [(2, "Grace", 2), (4, "Edsger", 2)], BATCHED))
    people.save(frame(spark, [], BATCHED))  # nothing new: no commit
    versions = spark.sql(f"DESCRIBE HISTORY delta.`{people.location.path}`").count()

    assert rows_of(people.load()) == [(1, "Ada", 1), (2, "Grace", 2), (4, "Edsger", 2)]
    assert versions == 3


@pytest.mark.parametrize("write_mode", ["merge", "insert"])
def test_a_frame_cut_to_no_rows_is_saved_without_a_spark_job_or_commit(
    spark: SparkSession,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    write_mode: str,
) -> None:
    people = dataset(
        tmp_path,
        f"test_delta_nothing_new_{write_mode}",
        write_mode=write_mode,
        primary_key=["id"],
    )
    people.save(frame(spark, [(1, "Ada", 1)], BATCHED))
    group = f"nothing-new-{write_mode}"
    context = spark.sparkContext
    context.setJobGroup(group, group)
    try:
        with caplog.at_level(logging.INFO, logger="motors_meetup"):
            people.save(frame(spark, [(2, "Grace", 2)], BATCHED).limit(0))
        jobs = context.statusTracker().getJobIdsForGroup(group)
    finally:
        context.setLocalProperty("spark.jobGroup.id", None)
        context.setLocalProperty("spark.job.description", None)

    assert jobs == []
    assert people.version() == 0
    assert rows_of(people.load()) == [(1, "Ada", 1)]
    assert f"No new input for {people.location.name}: table left" in caplog.text


def test_insert_refuses_rows_of_two_batches_or_without_one(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(tmp_path, "test_delta_insert_bad", write_mode="insert")
    people.save(frame(spark, [(1, "Ada", 1)], BATCHED))

    with pytest.raises(Exception, match="(?i)replaceWhere|does not conform|constraint"):
        people.save(frame(spark, [(2, "Grace", 2), (3, "Linus", 3)], BATCHED))
    with pytest.raises(DatasetError, match="needs a _batch_id column"):
        people.save(frame(spark, [(2, "Grace")]))
    assert rows_of(people.load()) == [(1, "Ada", 1)]


def test_insert_on_a_named_batch_column(spark: SparkSession, tmp_path: Path) -> None:
    # audit.processed_files_log numbers its batches in a business column.
    schema = "delivery_id string, batch_id bigint"
    log = dataset(
        tmp_path,
        "test_delta_insert_named",
        write_mode="insert",
        batch_column="batch_id",
    )
    log.save(frame(spark, [("d1", 1)], schema))
    log.save(frame(spark, [("d2", 2)], schema))
    log.save(frame(spark, [("d2", 2), ("d3", 2)], schema))  # batch 2 redone

    assert rows_of(log.load()) == [("d1", 1), ("d2", 2), ("d3", 2)]
    with pytest.raises(DatasetError, match="needs a batch_id column"):
        log.save(frame(spark, [("d4", 3)], "delivery_id string, _batch_id bigint"))


def test_insert_and_merge_tables_are_overwritten_on_a_full_refresh(
    spark: SparkSession, tmp_path: Path
) -> None:
    for mode, name in (("insert", "refresh_insert"), ("merge", "refresh_merge")):
        kept = dataset(
            tmp_path, f"test_delta_{name}", write_mode=mode, primary_key="id"
        )
        kept.save(frame(spark, [(1, "Ada", 1)], BATCHED))
        rebuilt = dataset(
            tmp_path,
            f"test_delta_{name}",
            write_mode=mode,
            primary_key="id",
            full_refresh="true",
        )
        rebuilt.save(frame(spark, [(2, "Grace", 1)], BATCHED))

        assert rows_of(kept.load()) == [(2, "Grace", 1)], mode


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"write_mode": "upsert"}, "write_mode 'upsert'"),
        ({"write_mode": "merge"}, "needs primary_key"),
        ({"schema": "my-schema"}, "Invalid table name part 'my-schema'"),
        ({"rebuild": "sometimes"}, "rebuild 'sometimes'"),
    ],
)
def test_invalid_configuration_raises_dataset_error(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(DatasetError, match=message):
        dataset(tmp_path, **{"schema": "test_delta_invalid", **options})


# ---- rebuild: on_input_change --------------------------------------------------


def test_a_rebuilt_table_with_the_same_stamp_is_kept_without_a_commit(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(tmp_path, "test_delta_rebuild", rebuild="on_input_change")
    assert people.version() is None
    assert people.prepare_rebuild("stamp-1", {"staging.src": "4@1"}) is False
    people.save(frame(spark, [(1, "Ada")]))
    assert people.version() == 0
    history = people._delta_table().history(1)
    columns = ("userMetadata", "unix_millis(timestamp)")
    metadata, millis = history.selectExpr(*columns).first()
    assert '"built_from": {"staging.src": "4@1"}' in metadata
    # The state: the newest commit's version and time, as the commit records it
    # (history shows the log file's time: a few milliseconds later).
    version, committed = people.state().split("@")
    assert (int(version), abs(int(committed) - millis) < 5_000) == (0, True)

    # Same stamp: the save keeps version 0 (the rows handed in are not written).
    assert people.prepare_rebuild("stamp-1", {"staging.src": "4@1"}) is True
    assert people.keeps_stored_table
    people.save(frame(spark, [(2, "Grace")]))
    assert not people.keeps_stored_table
    assert (people.version(), rows_of(people.load())) == (0, [(1, "Ada")])

    # Another stamp (an input moved on): rebuilt.
    assert people.prepare_rebuild("stamp-2", {"staging.src": "5@2"}) is False
    people.save(frame(spark, [(2, "Grace")]))
    assert (people.version(), rows_of(people.load())) == (1, [(2, "Grace")])

    # No stamp possible: rebuilt, and nothing stored to match next time.
    assert people.prepare_rebuild(None, {}) is False
    people.save(frame(spark, [(3, "Linus")]))
    assert people.prepare_rebuild("stamp-2", {"staging.src": "5@2"}) is False


def test_a_merged_table_stores_its_stamp_with_each_merge_and_keeps_on_a_match(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(
        tmp_path,
        "test_delta_rebuild_merge",
        write_mode="merge",
        primary_key=["id"],
        rebuild="on_input_change",
    )
    assert people.rebuilds_on_input_change and people.merges
    people.prepare_rebuild("stamp-1", {"raw.src": "3@1"})
    people.save(frame(spark, [(1, "Ada")]))  # creates the table

    # A MERGE carries the stamp of its inputs too (as the session's commit
    # metadata, unset again afterwards).
    assert people.prepare_rebuild("stamp-2", {"raw.src": "4@2"}) is False
    people.save(frame(spark, [(1, "Ada L."), (2, "Grace")]))
    operation, metadata = (
        people._delta_table().history(1).select("operation", "userMetadata").first()
    )
    assert (operation, '"built_from": {"raw.src": "4@2"}' in metadata) == (
        "MERGE",
        True,
    )
    assert (
        spark.conf.get("spark.databricks.delta.commitInfo.userMetadata", None) is None
    )

    # Same stamp: kept, even when an increment is handed in.
    assert people.prepare_rebuild("stamp-2", {"raw.src": "4@2"}) is True
    people.save(frame(spark, [(3, "Linus")]))
    assert (people.version(), rows_of(people.load())) == (
        1,
        [(1, "Ada L."), (2, "Grace")],
    )

    # A MERGE without a stamp stores none: the next stamp cannot match.
    assert people.prepare_rebuild(None, {}) is False
    people.save(frame(spark, [(3, "Linus")]))
    assert people.prepare_rebuild("stamp-2", {"raw.src": "4@2"}) is False
    assert people._delta_table().history(1).first()["userMetadata"] is None


def test_an_empty_increment_stores_a_new_stamp_in_a_commit_without_data(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(
        tmp_path,
        "test_delta_stamp_only",
        write_mode="merge",
        primary_key=["id"],
        rebuild="on_input_change",
    )
    people.prepare_rebuild("stamp-1", {"raw.src": "3@1"})
    people.save(frame(spark, [(1, "Ada")]))
    written = people.state()
    assert written.startswith("0@")
    empty = frame(spark, [])

    # A new stamp (say, the code changed) and nothing to merge: a commit that
    # adds no file, holds the stamp and carries the state of the rows forward.
    assert people.prepare_rebuild("stamp-2", {"raw.src": "3@1"}) is False
    people.save(empty)
    files = people.snapshot().files
    operation, metrics, metadata = (
        people._delta_table()
        .history(1)
        .select("operation", "operationMetrics", "userMetadata")
        .first()
    )
    assert (operation, metrics["numOutputRows"], people.version()) == ("WRITE", "0", 1)
    assert f'"data_state": "{written}"' in metadata
    assert (rows_of(people.load()), people.snapshot().files) == ([(1, "Ada")], files)
    assert spark.conf.get("spark.databricks.delta.skipRecordingEmptyCommits") == "true"
    assert people.state() == written  # the tables built from it are kept

    # The next run with that stamp keeps the table: no increment is computed.
    assert people.prepare_rebuild("stamp-2", {"raw.src": "3@1"}) is True
    people.save(frame(spark, [(9, "never merged")]))
    assert (people.version(), rows_of(people.load())) == (1, [(1, "Ada")])

    # Another empty increment carries the same state forward once more.
    assert people.prepare_rebuild("stamp-3", {"raw.src": "4@2"}) is False
    people.save(empty)
    assert (people.version(), people.state()) == (2, written)

    # Rows merged: the table's state is its own newest commit again.
    people.prepare_rebuild("stamp-4", {"raw.src": "5@3"})
    people.save(frame(spark, [(2, "Grace")]))
    assert people.state().startswith("3@")

    # Without a stamp an empty increment makes no commit at all.
    people.prepare_rebuild(None, {})
    people.save(empty)
    assert people.version() == 3


def test_a_session_that_refuses_commit_metadata_lets_the_commit_run_unstamped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Refusing:
        def get(self, key: str, default: str | None) -> str | None:
            return default

        def set(self, key: str, value: str) -> None:
            raise RuntimeError(f"[CONFIG_NOT_AVAILABLE] {key}")

    merged = []
    with caplog.at_level(logging.WARNING):
        with _commit_user_metadata(SimpleNamespace(conf=Refusing()), '{"s": 1}'):
            merged.append(True)
    assert merged == [True]
    assert "merged tables get no build stamp" in caplog.text


class _SessionConf:
    """A session's settings, as a dict."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str, default: str | None) -> str | None:
        return self.values.get(key, default)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def unset(self, key: str) -> None:
        self.values.pop(key, None)


def test_threads_take_turns_to_commit_with_a_stamp_in_the_session() -> None:
    # Under kedro run's threads, a MERGE's stamp is a setting of the shared
    # session: a second MERGE must not set its own before the first has committed.
    conf = _SessionConf()
    session = SimpleNamespace(conf=conf)
    first_inside, second_trying = threading.Event(), threading.Event()
    seen: dict[str, str | None] = {}

    def first() -> None:
        with _commit_user_metadata(session, "first"):
            first_inside.set()
            second_trying.wait(5)
            time.sleep(0.3)  # the second sets its stamp now, were it free to
            seen["first"] = conf.values.get(USER_METADATA_OPTION)

    def second() -> None:
        first_inside.wait(5)
        second_trying.set()
        with _commit_user_metadata(session, "second"):
            seen["second"] = conf.values.get(USER_METADATA_OPTION)
            time.sleep(0.6)  # still inside when the first looks

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"first": "first", "second": "second"}
    assert USER_METADATA_OPTION not in conf.values


def test_a_full_refresh_or_rebuild_always_never_keeps_the_table(
    spark: SparkSession, tmp_path: Path
) -> None:
    options = {"schema": "test_delta_rebuild_full", "rebuild": "on_input_change"}
    people = dataset(tmp_path, **options)
    people.prepare_rebuild("stamp", {})
    people.save(frame(spark, [(1, "Ada")]))

    refresh = dataset(tmp_path, **options, full_refresh=True)
    assert refresh.prepare_rebuild("stamp", {}) is False
    refresh.save(frame(spark, [(2, "Grace")]))
    always = dataset(tmp_path, schema="test_delta_rebuild_full")
    assert not always.rebuilds_on_input_change
    assert always.prepare_rebuild("stamp", {}) is False
    assert (people.version(), rows_of(people.load())) == (1, [(2, "Grace")])
    # The full refresh stored the stamp: the next incremental run keeps the table.
    assert people.prepare_rebuild("stamp", {}) is True


def test_a_changed_storage_setting_rebuilds_the_table(
    spark: SparkSession, tmp_path: Path
) -> None:
    people = dataset(tmp_path, "test_delta_rebuild_props", rebuild="on_input_change")
    people.prepare_rebuild("stamp", {})
    people.save(frame(spark, [(1, "Ada")]))
    changed = dataset(
        tmp_path,
        "test_delta_rebuild_props",
        rebuild="on_input_change",
        table_properties={"delta.appendOnly": False},
    )
    assert changed.prepare_rebuild("stamp", {}) is False
