"""benchmarks/write_floor.py: which writes it replays, and how (no Spark needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark


def test_planned_writes_are_the_cheapest_each_table_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTORS_MEETUP_USER", "floor")
    tables = [
        "floor_raw/raw_events",
        "floor_raw/raw_users",
        "floor_raw/users_rejected",
        "floor_raw/raw_load_report",
        "floor_staging/stg_memberships",
        "floor_staging/stg_users",
        "floor_intermediate/int_event_rsvps",
        "floor_marts/dim_date",
        "floor_marts/dim_users",
        "floor_marts/fact_rsvps",
        "floor_marts/fact_venue_activity",
        "floor_pbi/pbi_fact_rsvps",
        "floor_audit/processed_files",
        "floor_audit/run_batch",
    ]
    for table in tables:
        (tmp_path / "workspace" / table / "_delta_log").mkdir(parents=True)
    (tmp_path / "workspace" / "floor_staging" / "not_a_table").mkdir()

    writes = load_benchmark("write_floor").planned_writes(tmp_path)

    assert [(w.dataset, w.how, w.key) for w in writes] == [
        ("raw.raw_events", "append", ("_record_key",)),
        ("raw.raw_users", "append", ("user_id",)),
        ("staging.stg_memberships", "merge", ("membership_key",)),
        ("staging.stg_users", "merge", ("user_id",)),
        ("intermediate.int_event_rsvps", "merge", ("rsvp_sk",)),
        ("marts.dim_users", "overwrite", ("user_sk",)),
        ("marts.fact_rsvps", "merge", ("rsvp_sk",)),
        ("marts.fact_venue_activity", "overwrite", ("venue_sk", "activity_date")),
        ("audit.processed_files", "append", ()),
    ]
    assert writes[0].path == str(tmp_path / "workspace" / "floor_raw" / "raw_events")
    assert writes[0].table == "raw_events"
