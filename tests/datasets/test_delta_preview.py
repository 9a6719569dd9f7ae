"""Previews and cards for kedro-viz, read without Spark.

The Delta tables here are written by hand (Parquet files plus a ``_delta_log``), so
the tests pin the log replay itself (adds, removes, checkpoints) and need no JVM.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from motors_meetup.datasets.delta_table import (
    DeltaTableDataset,
    read_delta_head,
    read_delta_snapshot,
)
from motors_meetup.datasets.json_source import JsonSourceDataset

SCHEMA = {
    "type": "struct",
    "fields": [
        {"name": "id", "type": "long", "nullable": False, "metadata": {}},
        {"name": "name", "type": "string", "nullable": True, "metadata": {}},
        {"name": "day", "type": "date", "nullable": True, "metadata": {}},
        {"name": "at", "type": "timestamp", "nullable": True, "metadata": {}},
        {"name": "amount", "type": "decimal(18,1)", "nullable": True, "metadata": {}},
        {
            "name": "tags",
            "type": {"type": "array", "elementType": "string", "containsNull": True},
            "nullable": True,
            "metadata": {},
        },
    ],
}


def parquet(table_dir: Path, name: str, rows: list[dict[str, Any]]) -> dict:
    """Write a data file; its ``add`` action."""
    table_dir.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("name", pa.string()),
                ("day", pa.date32()),
                ("at", pa.timestamp("us", tz="UTC")),
                ("amount", pa.decimal128(18, 1)),
                ("tags", pa.list_(pa.string())),
            ]
        ),
    )
    pq.write_table(arrow, table_dir / name)
    return {
        "path": name,
        "partitionValues": {},
        "size": (table_dir / name).stat().st_size,
        "stats": json.dumps({"numRecords": len(rows)}),
        "dataChange": True,
    }


def commit(table_dir: Path, version: int, actions: list[dict]) -> None:
    log = table_dir / "_delta_log"
    log.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(action) for action in actions]
    (log / f"{version:020d}.json").write_text("\n".join(lines) + "\n")


def metadata_action() -> dict:
    return {
        "metaData": {
            "id": "t",
            "format": {"provider": "parquet", "options": {}},
            "schemaString": json.dumps(SCHEMA),
            "partitionColumns": [],
            "configuration": {},
        }
    }


def row(number: int) -> dict[str, Any]:
    return {
        "id": number,
        "name": f"row_{number}",
        "day": date(2018, 6, number),
        "at": datetime(2018, 6, number, 12, 30),
        "amount": Decimal("1.5"),
        "tags": ["a", "b"],
    }


def test_head_reads_only_the_files_live_after_an_overwrite(tmp_path: Path) -> None:
    table = tmp_path / "t"
    first = parquet(table, "part-0.parquet", [row(1), row(2)])
    commit(table, 0, [{"protocol": {}}, metadata_action(), {"add": first}])
    second = parquet(table, "part-1.parquet", [row(3), row(4), row(5)])
    commit(table, 1, [{"remove": {"path": "part-0.parquet"}}, {"add": second}])

    columns, rows = read_delta_head(table, 2)

    assert columns == ["id", "name", "day", "at", "amount", "tags"]
    assert rows == [
        [3, "row_3", "2018-06-03", "2018-06-03 12:30:00+00:00", "1.5", '["a", "b"]'],
        [4, "row_4", "2018-06-04", "2018-06-04 12:30:00+00:00", "1.5", '["a", "b"]'],
    ]
    snapshot = read_delta_snapshot(table)
    assert snapshot is not None
    assert (snapshot.version, snapshot.num_records) == (1, 3)


def test_a_checkpoint_is_replayed_before_the_later_commits(tmp_path: Path) -> None:
    table = tmp_path / "t"
    old = parquet(table, "part-0.parquet", [row(1)])
    kept = parquet(table, "part-1.parquet", [row(2)])
    log = table / "_delta_log"
    log.mkdir(parents=True)
    checkpoint_rows = [
        {"add": None, "remove": None, "metaData": metadata_action()["metaData"]},
        {"add": old, "remove": None, "metaData": None},
        {"add": kept, "remove": None, "metaData": None},
    ]
    for action in checkpoint_rows:  # maps as pyarrow writes them: key/value pairs
        if action["metaData"]:
            action["metaData"]["configuration"] = []
            action["metaData"].pop("format")
        if action["add"]:
            action["add"]["partitionValues"] = []
    pq.write_table(
        pa.Table.from_pylist(checkpoint_rows),
        log / f"{4:020d}.checkpoint.parquet",
    )
    (log / "_last_checkpoint").write_text(json.dumps({"version": 4, "size": 3}))
    commit(table, 4, [{"add": {"path": "ignored-before-checkpoint"}}])
    commit(table, 5, [{"remove": {"path": "part-0.parquet"}}])

    snapshot = read_delta_snapshot(table)

    assert snapshot is not None
    assert snapshot.version == 5
    assert [f.path.name for f in snapshot.files] == ["part-1.parquet"]
    assert read_delta_head(table, 5)[1][0][:2] == [2, "row_2"]


def test_a_table_not_built_yet_previews_empty_and_its_card_says_so(
    tmp_path: Path,
) -> None:
    dataset = DeltaTableDataset(
        table="fact_rsvps",
        schema="u_marts",
        catalog="workspace",
        warehouse_dir=str(tmp_path),
    )

    assert dataset.table_preview() == {"index": [], "columns": [], "data": []}
    card = dataset.preview()
    assert "not built yet" in card
    assert "rsvp_timing_category" in card.replace(
        '<span style="display:none">\n</span>', ""
    )


def test_the_card_shows_the_contract_and_the_first_rows(tmp_path: Path) -> None:
    table = tmp_path / "workspace" / "u_marts" / "fact_rsvps"
    add = parquet(table, "part-0.parquet", [row(1), row(2), row(3)])
    commit(table, 0, [metadata_action(), {"add": add}])
    dataset = DeltaTableDataset(
        table="fact_rsvps",
        schema="u_marts",
        catalog="workspace",
        warehouse_dir=str(tmp_path),
        metadata={"kedro-viz": {"layer": "marts", "preview_args": {"nrows": 2}}},
    )

    card = dataset.preview(nrows=2)
    text = card.replace('<span style="display:none">\n</span>', "")

    assert dataset.table_preview(2)["index"] == [0, 1]
    assert text.startswith('<div class="motors-meetup-card">')
    assert "One row per latest RSVP" in text
    assert "First 2 rows" in text and "row_2" in text and "row_3" not in text
    assert "3 rows" in text
    assert "event_sk</code> → <code>marts.dim_events.event_sk" in text
    assert "description" in dataset._describe()
    # kedro-viz's Markdown imitation (`_(.*?)_` → <em>, `.` not crossing newlines)
    # must find nothing to turn into emphasis.
    assert re.search(r"_(.*?)_", card) is None
    assert re.search(r"\*(.*?)\*", card) is None


def test_a_source_card_shows_its_first_records(tmp_path: Path) -> None:
    (tmp_path / "venues.json").write_text('{"venue_id": 1}\n\n{"venue_id": 2}\n')
    folder = tmp_path / "venues"
    folder.mkdir()
    (folder / "late.json").write_text('[{"venue_id": 3}, {"venue_id": 4}, {"ven')
    dataset = JsonSourceDataset(input_dir=str(tmp_path), source="venues")

    records = dataset.sample_records(nrows=4)

    assert records == [
        ("venues.json", '{"venue_id": 1}'),
        ("venues.json", '{"venue_id": 2}'),
        ("late.json", '{"venue_id": 3}'),
        ("late.json", '{"venue_id": 4}'),
    ]
    card = dataset.preview(nrows=4).replace('<span style="display:none">\n</span>', "")
    assert "raw.raw_venues" in card
    assert "First 4 records" in card
