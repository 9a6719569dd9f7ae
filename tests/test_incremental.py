"""Incremental runs give exactly what a full refresh gives (DESIGN §7.9, issue 4).

Batches come from the generator (re-delivered events with more RSVPs or a new
status, users answering again, re-joined and dropped memberships, renamed venues).
Tables are compared on their business columns: audit columns (``_batch_id``,
``_source_file``, ...) and audit tables (rejections, load reports, bookkeeping)
record *how* a row got there and legitimately differ.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from datetime import datetime
from functools import reduce
from pathlib import Path
from typing import Any

import pytest
from delta.tables import DeltaTable
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.utils import load_obj
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.cli import DEFAULT_RUNNER
from motors_meetup.datasets.delta_view import load_view
from motors_meetup.datasets.json_source import JsonSourceDataset
from motors_meetup.incremental import (
    ProcessedFilesOutdated,
    batch_id,
    changed,
    changed_or_linked,
    close_batch,
    open_batch,
    stamp,
    unprocessed_records,
)
from motors_meetup.pipelines.intermediate import pipeline as intermediate
from motors_meetup.pipelines.marts import pipeline as marts
from motors_meetup.pipelines.pbi import pipeline as pbi
from motors_meetup.pipelines.staging import pipeline as staging
from motors_meetup.plans import nothing_to_write
from motors_meetup.sample_data import generate

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2018-06-30"
USER = "inc"
BATCHES = 2
SOURCES = ("events", "groups", "users", "venues")
COMPARED = {
    "raw": ["raw_events", "raw_groups", "raw_users", "raw_venues"],
    "staging": [
        "stg_events",
        "stg_event_rsvps",
        "stg_groups",
        "stg_group_topics",
        "stg_users",
        "stg_memberships",
        "stg_venues",
    ],
    "intermediate": [
        "int_events_with_venues",
        "int_event_rsvps",
        "int_user_memberships_with_groups",
    ],
    "marts": [
        "dim_date",
        "dim_events",
        "dim_groups",
        "dim_users",
        "dim_venues",
        "fact_rsvps",
        "fact_event_attendance",
        "fact_group_activity",
        "fact_group_memberships",
        "fact_venue_activity",
    ],
    "pbi": ["pbi_fact_rsvps", "pbi_dim_groups", "pbi_fact_events"],
}


class Interrupted(RuntimeError):
    """Raised by the test to stop a run midway, as a crash would."""


def _run(input_dir: Path, warehouse: Path, **options: object) -> None:
    params = {
        "input_dir": str(input_dir),
        "warehouse_dir": str(warehouse),
        "as_of_date": AS_OF,
        "full_refresh": bool(options.pop("full_refresh", False)),
        # Contracts are proven elsewhere; here they would only add time.
        "contracts": {"enabled": False, "depth": "SCHEMA_ONLY"},
    }
    bootstrap_project(PROJECT_ROOT)
    with KedroSession.create(
        project_path=PROJECT_ROOT, runtime_params=params
    ) as session:
        session.run(**options)


def _stage(generated: Path, input_dir: Path, batch: int) -> None:
    for source in SOURCES:
        path = generated / source / f"batch_{batch:04d}.json"
        if path.exists():
            (input_dir / source).mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, input_dir / source / path.name)


def _table(spark: SparkSession, warehouse: Path, layer: str, name: str) -> DataFrame:
    folder = warehouse / "workspace" / f"{USER}_{layer}" / name
    if layer == "pbi":  # views of the marts
        frame = load_view(spark, folder)
    else:
        frame = spark.read.format("delta").load(str(folder))
    return frame.select(*sorted(c for c in frame.columns if not c.startswith("_")))


def _differences(spark: SparkSession, left: Path, right: Path) -> dict[str, int]:
    """Rows in one warehouse and not the other, per compared table."""
    return _surplus(
        {
            f"{layer}.{name}": (
                _table(spark, left, layer, name),
                _table(spark, right, layer, name),
            )
            for layer, tables in COMPARED.items()
            for name in tables
        }
    )


# Each row as JSON text, timestamps to the microsecond: equal rows, equal texts.
ROW_TEXT = {"timestampFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"}


def _surplus(pairs: dict[str, tuple[DataFrame, DataFrame]]) -> dict[str, int]:
    """Per named pair of frames, the rows of either that the other lacks, counted
    as ``exceptAll`` both ways would (duplicates included); one Spark job for all
    the pairs instead of two per pair."""
    sides = [
        frame.select(
            F.lit(name).alias("table"),
            F.to_json(F.struct("*"), ROW_TEXT).alias("row"),
            F.lit(sign).alias("side"),
        )
        for name, frames in pairs.items()
        for frame, sign in zip(frames, (1, -1), strict=True)
    ]
    surplus = (
        reduce(DataFrame.unionByName, sides)
        .groupBy("table", "row")
        .agg(F.abs(F.sum("side")).alias("rows"))
    )
    found = surplus.where("rows > 0").groupBy("table").agg(F.sum("rows").alias("rows"))
    return {row.table: row.rows for row in found.collect()}


def test_surplus_counts_rows_either_side_lacks_as_except_all_does(
    spark: SparkSession,
) -> None:
    schema = "k string, n double, at timestamp"
    rows = [("a", 1.0, datetime(2018, 1, 1, 0, 0, 0, 1)), ("b", None, None)]
    same = spark.createDataFrame(rows, schema)
    changed_rows = [
        ("a", 1.0, datetime(2018, 1, 1, 0, 0, 0, 2)),  # a microsecond later
        ("b", None, None),
        ("b", None, None),  # a duplicate
    ]
    pairs = {
        "same": (same, spark.createDataFrame(list(reversed(rows)), schema)),
        "changed": (same, spark.createDataFrame(changed_rows, schema)),
        "null": (same, spark.createDataFrame([rows[0], ("b", 0.0, None)], schema)),
    }
    expected = {
        name: a.exceptAll(b).count() + b.exceptAll(a).count()
        for name, (a, b) in pairs.items()
    }

    assert expected == {"same": 0, "changed": 3, "null": 2}
    assert _surplus(pairs) == {"changed": 3, "null": 2}


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generated = tmp_path_factory.mktemp("batches")
    generate(generated, seed=11, scale=0.4, batches=BATCHES)
    return generated


@pytest.fixture(scope="module")
def full_refresh(
    spark: SparkSession, batches: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One full refresh over all batches: the reference."""
    root = tmp_path_factory.mktemp("full")
    for batch in range(1, BATCHES + 1):
        _stage(batches, root / "input", batch)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", USER)
        _run(root / "input", root / "wh", full_refresh=True)
    return root / "wh"


@pytest.fixture(scope="module")
def incremental(
    spark: SparkSession, batches: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """One incremental run per batch; batch 2 is first interrupted midway.

    The runs use the runner of ``kedro run`` (tasks side by side on threads), the
    full refresh one task at a time: equal tables show that both runners build the
    same warehouse too.
    """
    root = tmp_path_factory.mktemp("incremental")
    runner = load_obj(DEFAULT_RUNNER, "kedro.runner")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", USER)
        for batch in range(1, BATCHES + 1):
            _stage(batches, root / "input", batch)
            if batch == 2:
                # Killed after raw, staging, intermediate and part of the marts
                # (the merged dim_events and fact_rsvps among them) were written.
                _run(
                    root / "input",
                    root / "wh",
                    to_nodes=["fact_rsvps"],
                    runner=runner(),
                )
            _run(root / "input", root / "wh", runner=runner())
    return root / "wh"


def test_incremental_batches_equal_one_full_refresh(
    spark: SparkSession, full_refresh: Path, incremental: Path
) -> None:
    assert _differences(spark, incremental, full_refresh) == {}


def test_rerun_without_new_input_changes_no_table(
    spark: SparkSession, incremental: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The same deliveries in another folder are no new input: a delivery is known
    # by its content, not by where its file lies.
    moved = incremental.parent / "moved_input"
    shutil.copytree(incremental.parent / "input", moved)
    before = _commits(incremental)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", USER)
        with caplog.at_level(logging.INFO, logger="motors_meetup"):
            _run(moved, incremental)

    # Every table below raw is kept: built or merged from input tables without a
    # new commit (a merged table's increment would be empty), so not even its
    # increment is computed. The pbi views keep their definitions.
    def names(*layers: Any) -> set[tuple[str, str]]:
        return {
            (f"{USER}_{name.split('.')[0]}", name.split(".")[1])
            for layer in layers
            for name in layer.create_pipeline().all_outputs()
        }

    kept = set(re.findall(r"`(\w+)`\.`(\w+)` kept at version", caplog.text))
    assert kept == names(staging, intermediate, marts)
    # The raw tasks knew there was nothing new before any Spark job: no delivery
    # of any source was unprocessed, and the load report counts nothing.
    nothing_new = set(re.findall(r"No new input for `(\w+)`\.`(\w+)`", caplog.text))
    assert nothing_new == {
        (f"{USER}_raw", name)
        for source in SOURCES
        for name in (f"raw_{source}", f"{source}_rejected")
    }
    assert _last_load_report(spark, incremental) == {
        source: (0, 0, 0, 0) for source in SOURCES
    }
    views = set(re.findall(r"View `(\w+)`\.`(\w+)` kept: the same", caplog.text))
    assert views == names(pbi)
    # Nothing is rewritten either: merged tables get no empty MERGE, rebuilt ones
    # are kept (their inputs, parameters and code are those of their last build).
    # Only the run's own records get a commit: the load report's history and the
    # run's batch. A Delta table's contents are those of its newest commit, so every
    # other table, without a new commit, has exactly the contents it had.
    after = _commits(incremental)
    records = {f"{USER}_raw/raw_load_report", f"{USER}_audit/run_batch"}
    assert {table: after[table] - before[table] for table in records} == dict.fromkeys(
        records, 1
    )
    assert {t: n for t, n in after.items() if t not in records} == {
        t: n for t, n in before.items() if t not in records
    }


def test_a_re_delivery_of_unchanged_venues_keeps_every_table_built_from_them(
    spark: SparkSession,
    incremental: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    warehouse, input_dir = tmp_path / "wh", tmp_path / "input"
    shutil.copytree(incremental, warehouse)
    shutil.copytree(incremental.parent / "input", input_dir)
    # Five venues of the last delivery, as they were delivered: a new delivery
    # (other bytes), so raw_venues takes it, but no venue in it changes.
    lines = sorted((input_dir / "venues").glob("*.json"))[-1].read_text().splitlines()
    ids = [str(json.loads(line)["venue_id"]) for line in lines]
    again = [line for line, key in zip(lines, ids, strict=True) if ids.count(key) == 1]
    (input_dir / "venues" / "zz_again.json").write_text("\n".join(again[:5]) + "\n")
    before = _commits(warehouse)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", USER)
        with caplog.at_level(logging.INFO, logger="motors_meetup"):
            _run(input_dir, warehouse)

    after = _commits(warehouse)
    assert {table for table in after if after[table] != before[table]} == {
        f"{USER}_raw/raw_venues",
        f"{USER}_raw/raw_load_report",
        f"{USER}_audit/run_batch",
        f"{USER}_audit/processed_files",
        # Its build stamp only, in a commit without data (copy-on-write: a MERGE
        # of the unchanged rows would have rewritten them in a new version).
        f"{USER}_staging/stg_venues",
    }
    assert f"No changes for `{USER}_staging`.`stg_venues`: rows left" in caplog.text
    # Only venues had a new delivery; the other sources read nothing.
    assert _last_load_report(spark, warehouse) == {
        "events": (0, 0, 0, 0),
        "groups": (0, 0, 0, 0),
        "users": (0, 0, 0, 0),
        "venues": (5, 5, 0, 0),
    }
    kept = set(re.findall(r"`\w+`\.`(\w+)` kept at version", caplog.text))
    assert {"int_events_with_venues", "dim_venues", "fact_venue_activity"} <= kept


def _last_load_report(
    spark: SparkSession, warehouse: Path
) -> dict[str, tuple[int, int, int, int]]:
    """The last run's load report: per source, records read, accepted, rejected
    and unaccounted. (By time: a run with no new delivery records no batch, so
    the next run has the same batch number.)"""
    folder = warehouse / "workspace" / f"{USER}_raw" / "raw_load_report"
    report = spark.read.format("delta").load(str(folder))
    last = report.agg(F.max("checked_at")).first()[0]
    return {
        row.source: (
            row.records_read,
            row.records_accepted,
            row.records_rejected,
            row.records_unaccounted,
        )
        for row in report.where(F.col("checked_at") == last).collect()
    }


def _commits(warehouse: Path) -> dict[str, int]:
    """Commits per table (``<schema>/<table>``) of a path-mode warehouse."""
    logs = (warehouse / "workspace").glob("*/*/_delta_log")
    return {
        log.parent.relative_to(warehouse / "workspace").as_posix(): len(
            list(log.glob("*.json"))
        )
        for log in logs
    }


def test_later_batches_are_merged_not_rebuilt(
    spark: SparkSession, batches: Path, incremental: Path
) -> None:
    path = str(incremental / "workspace" / f"{USER}_staging" / "stg_event_rsvps")
    history = DeltaTable.forPath(spark, path).history().orderBy("version")
    operations = [row.operation for row in history.collect()]
    # Created by batch 1; then MERGEs only: batch 2's interrupted run, and its
    # rerun (which inserted the unclosed batch's raw records again, so the
    # table's inputs got new commits), each merged the batch's answers.
    assert operations[1:] == ["MERGE", "MERGE"]
    rsvps = spark.read.format("delta").load(path)
    batch_ids = {row[0] for row in rsvps.select("_batch_id").distinct().collect()}
    assert batch_ids == {1, 2}


def _groups_by_user(path: Path) -> dict[str, set[str]]:
    users = (json.loads(line) for line in path.read_text().splitlines() if line)
    return {
        str(user["user_id"]): {str(m["group_id"]) for m in user["memberships"] or []}
        for user in users
    }


def test_a_membership_dropped_in_a_later_delivery_is_deleted_everywhere(
    spark: SparkSession, batches: Path, incremental: Path
) -> None:
    before = _groups_by_user(batches / "users" / "batch_0001.json")
    after = _groups_by_user(batches / "users" / "batch_0002.json")
    left = {
        user: before[user] - groups
        for user, groups in after.items()
        if before.get(user, set()) - groups
    }
    assert left  # the generator drops memberships in later batches

    for layer, name in (
        ("staging", "stg_memberships"),
        ("intermediate", "int_user_memberships_with_groups"),
        ("marts", "fact_group_memberships"),
    ):
        rows = _table(spark, incremental, layer, name).where(
            F.col("user_id").isin(list(left))
        )
        stored: dict[str, set[str]] = {}
        for row in rows.select("user_id", "group_id").collect():
            stored.setdefault(row.user_id, set()).add(row.group_id)
        assert stored == {user: after[user] for user in left}, name


# ---- the helpers, on hand-made frames ----------------------------------------


def _processed(spark: SparkSession, *deliveries: tuple[str, int]) -> DataFrame:
    """``audit.processed_files`` with (delivery_id, batch_id) rows."""
    return spark.createDataFrame(
        [
            (delivery, f"/in/{delivery}.json", number, None)
            for delivery, number in deliveries
        ],
        "delivery_id string, source_file string, batch_id bigint, "
        "processed_at timestamp",
    )


def test_open_batch_numbers_the_run_after_the_last_recorded_one(
    spark: SparkSession,
) -> None:
    first = open_batch(_processed(spark), full_refresh=False)
    later = open_batch(_processed(spark, ("a.json", 1), ("b.json", 3)), True)

    assert [tuple(row) for row in first.collect()] == [(1, False)]
    assert [tuple(row) for row in later.collect()] == [(4, True)]


def test_only_records_of_unprocessed_deliveries_are_read(spark: SparkSession) -> None:
    # b1 was processed when it lay elsewhere: its content, not its path, counts.
    records = spark.createDataFrame(
        [
            ("/moved/events/b1.json", "d1", "{1}"),
            ("/moved/events/b2.json", "d2", "{2}"),
        ],
        "source_file string, delivery_id string, record string",
    )
    processed = _processed(spark, ("d1", 1))

    fresh = unprocessed_records(records, processed, full_refresh=False)
    everything = unprocessed_records(records, processed, full_refresh=True)

    assert [row.record for row in fresh.collect()] == ["{2}"]
    assert sorted(row.record for row in everything.collect()) == ["{1}", "{2}"]


def test_a_source_whose_deliveries_were_all_processed_says_so_in_its_plan(
    spark: SparkSession, tmp_path: Path
) -> None:
    folder = tmp_path / "users"
    folder.mkdir()
    texts = {"b1.json": '{"user_id": 1}\n', "b2.json": '{"user_id": 2}\n'}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    digests = [hashlib.md5(text.encode()).hexdigest() for text in texts.values()]
    source = JsonSourceDataset(input_dir=str(tmp_path), source="users")

    one_left = unprocessed_records(
        source.load(), _processed(spark, (digests[0], 1)), full_refresh=False
    )
    none_left = unprocessed_records(
        source.load(), _processed(spark, (digests[0], 1), (digests[1], 2)), False
    )

    assert [row.record for row in one_left.collect()] == ['{"user_id": 2}']
    assert nothing_to_write(one_left) is False
    assert nothing_to_write(none_left) is True
    assert none_left.columns == one_left.columns
    assert none_left.collect() == []


def test_a_processed_files_table_without_delivery_ids_asks_for_a_full_refresh(
    spark: SparkSession,
) -> None:
    records = spark.createDataFrame(
        [("d1", "{1}")], "delivery_id string, record string"
    )
    old = spark.createDataFrame(
        [("/in/events/b1.json", 1, None)],
        "source_file string, batch_id bigint, processed_at timestamp",
    )

    with pytest.raises(ProcessedFilesOutdated, match="full_refresh=true"):
        unprocessed_records(records, old, full_refresh=False)
    assert unprocessed_records(records, old, full_refresh=True).count() == 1


def test_stamp_and_changed_select_the_batch_s_rows(spark: SparkSession) -> None:
    batch = open_batch(_processed(spark, ("a.json", 1)), full_refresh=False)
    table = spark.createDataFrame([("old", 1)], "k string, _batch_id bigint")
    written = table.unionByName(
        stamp(spark.createDataFrame([("new",)], "k string"), batch)
    )

    assert [tuple(row) for row in changed(written, batch).collect()] == [("new", 2)]


def test_changed_or_linked_keeps_the_batch_s_rows_and_rows_linked_to_changed_keys(
    spark: SparkSession,
) -> None:
    # Batch 2. a1: written in batch 2. a2: old, its event e2 changed. a3: old, its
    # user u3 changed (named twice among the keys: kept once). a4: old, nothing
    # changed. a5: old, null event and user.
    answers = spark.createDataFrame(
        [
            ("a1", "e1", "u1", 2),
            ("a2", "e2", "u2", 1),
            ("a3", "e1", "u3", 1),
            ("a4", "e1", "u1", 1),
            ("a5", None, None, 1),
        ],
        "key string, event_id string, user_id string, _batch_id bigint",
    )
    events = spark.createDataFrame([("e2",), ("e9",)], "event_id string")
    users = spark.createDataFrame([("u3",), ("u3",)], "user_id string")
    batch = spark.createDataFrame([(2, False)], "batch_id long, full_refresh boolean")

    kept = changed_or_linked(answers, batch, event_id=events, user_id=users)

    assert kept.columns == answers.columns
    assert sorted(tuple(row) for row in kept.collect()) == [
        ("a1", "e1", "u1", 2),
        ("a2", "e2", "u2", 1),
        ("a3", "e1", "u3", 1),
    ]
    assert [row.key for row in changed_or_linked(answers, batch).collect()] == ["a1"]


def test_each_load_of_the_stored_batch_reads_the_batch_it_holds(
    spark: SparkSession, tmp_path: Path
) -> None:
    path = str(tmp_path / "run_batch")

    def store(number: int) -> None:
        spark.createDataFrame(
            [(number, False)], "batch_id bigint, full_refresh boolean"
        ).write.format("delta").mode("overwrite").save(path)

    def load() -> DataFrame:
        return spark.read.format("delta").load(path)

    store(7)
    assert [batch_id(load()), batch_id(load())] == [7, 7]
    # Another frame over the same files is not the stored batch.
    later = load().select((F.col("batch_id") + 1).alias("batch_id"))
    assert batch_id(later) == 8
    store(9)  # the next run's batch, and a rerun of it
    assert batch_id(load()) == 9
    store(9)
    assert batch_id(load()) == 9


def test_close_batch_records_the_deliveries_of_raw_tables_only(
    spark: SparkSession,
) -> None:
    batch = open_batch(_processed(spark), full_refresh=False)
    accepted = spark.createDataFrame(
        [
            ("k1", "/in/e/b1.json", "d1", 1),
            ("k2", "/in/e/b1.json", "d1", 1),
            ("k3", "/in/e/old.json", "d0", 0),
        ],
        "k string, _source_file string, _delivery_id string, _batch_id bigint",
    )
    rejected = spark.createDataFrame(
        [("/in/u/b1.json", "d2", "bad", 1)],
        "source_file string, delivery_id string, reason string, _batch_id bigint",
    )
    mart = spark.createDataFrame([("x", 1)], "event_sk string, _batch_id bigint")

    files = close_batch(batch, accepted, rejected, mart)

    assert sorted(
        (row.delivery_id, row.source_file, row.batch_id) for row in files.collect()
    ) == [("d1", "/in/e/b1.json", 1), ("d2", "/in/u/b1.json", 1)]
