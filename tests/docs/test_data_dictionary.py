"""The data dictionary comes from the contracts and the resolved catalog (no Spark)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from motors_meetup.contracts import all_contracts
from motors_meetup.docs import data_dictionary as dd

USER = "dictionary"


@pytest.fixture()
def docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dd.TableDoc]:
    monkeypatch.setenv("MOTORS_MEETUP_USER", USER)
    found = dd.collect(params={"warehouse_dir": str(tmp_path)})
    return {doc.dataset: doc for doc in found}


def test_every_dataset_of_the_pipeline_and_every_contract_is_documented(
    docs: dict[str, dd.TableDoc],
) -> None:
    _, pipelines = dd.load_project()
    datasets = {
        name
        for name in pipelines["__default__"].datasets()
        if not name.startswith("params:")
    }
    assert set(docs) == datasets
    assert set(all_contracts()) <= set(docs)
    assert all(doc.description != dd.NO_DESCRIPTION for doc in docs.values())


def test_a_table_entry_repeats_its_contract_and_catalog_exactly(
    docs: dict[str, dd.TableDoc],
) -> None:
    model = all_contracts()["staging.stg_event_rsvps"]
    doc = docs["staging.stg_event_rsvps"]

    assert doc.description == model.Config.description
    assert doc.grain == model.Config.metadata["grain"]
    assert list(doc.key) == model.Config.metadata["key"]
    assert dict(doc.relationships) == model.Config.metadata["relationships"]
    schema = model.to_schema()
    assert [c.name for c in doc.columns] == list(schema.columns)
    for column in doc.columns:
        assert column.description == schema.columns[column.name].description
        assert column.nullable == schema.columns[column.name].nullable
    assert doc.storage["table"] == f"{USER}_staging.stg_event_rsvps"
    assert doc.storage["write_mode"] == "merge"
    assert doc.storage["primary_key"] == ["user_event_key"]
    assert doc.produced_by == ("stg_event_rsvps",)


def test_tables_come_in_layer_order_sources_first(
    docs: dict[str, dd.TableDoc],
) -> None:
    layers = [doc.layer for doc in docs.values()]
    ranks = [dd.LAYER_ORDER.index(layer) for layer in layers]
    assert ranks == sorted(ranks)
    assert layers[0] == "sources"


def test_checks_read_as_short_phrases() -> None:
    doc_columns = {
        c.name: c for c in dd.contract_columns(all_contracts()["marts.fact_rsvps"])
    }

    assert doc_columns["response"].checks == ("in (yes, no, waitlist)",)
    assert doc_columns["guests"].checks == (">= 0",)
    assert doc_columns["hours_from_rsvp_to_event"].dtype == "decimal(18,1)"


def test_markdown_and_html_are_written_for_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTORS_MEETUP_USER", USER)
    out = tmp_path / "site"

    assert dd.main(["--out", str(out), "--params", f"warehouse_dir={tmp_path}"]) == 0

    markdown = (out / "data_dictionary.md").read_text()
    page = (out / "data_dictionary.html").read_text()
    for name in all_contracts():
        assert f"## {name}" in markdown
        assert f"<h2>{name}</h2>" in page
    assert "| `rsvp_timing_category` | `string` | yes |" in markdown


def test_viz_stats_come_from_the_delta_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTORS_MEETUP_USER", USER)
    log = tmp_path / "workspace" / f"{USER}_marts" / "dim_date" / "_delta_log"
    log.mkdir(parents=True)
    schema = {
        "type": "struct",
        "fields": [
            {"name": "date_id", "type": "date", "nullable": False, "metadata": {}}
        ],
    }
    actions = [
        {"metaData": {"schemaString": json.dumps(schema), "partitionColumns": []}},
        {"add": {"path": "a.parquet", "size": 100, "stats": '{"numRecords": 7}'}},
        {"add": {"path": "b.parquet", "size": 20, "stats": '{"numRecords": 3}'}},
    ]
    (log / f"{0:020d}.json").write_text("\n".join(json.dumps(a) for a in actions))

    stats = dd.viz_stats(params={"warehouse_dir": str(tmp_path)})

    assert stats == {"marts.dim_date": {"rows": 10, "columns": 1, "file_size": 120}}

    # A defined view: its table's rows and columns, and no bytes of its own.
    view = tmp_path / "workspace" / f"{USER}_pbi" / "pbi_dim_date"
    view.mkdir(parents=True)
    definition = {"source": f"{USER}_marts.dim_date", "select": ["`date_id`"]}
    (view / "_view.json").write_text(json.dumps(definition))

    stats = dd.viz_stats(params={"warehouse_dir": str(tmp_path)})

    assert stats["pbi.pbi_dim_date"] == {"rows": 10, "columns": 1}


def test_storage_text_names_the_merge_key_and_the_table_properties() -> None:
    storage = {
        "format": "Delta",
        "table": "staging.stg_groups",
        "write_mode": "merge",
        "primary_key": ["group_id"],
        "update_condition": None,
        "partition_columns": [],
        "table_properties": {"delta.enableDeletionVectors": "false"},
    }
    assert dd._storage_text(storage) == (  # noqa: SLF001
        "Delta table staging.stg_groups; write mode merge (MERGE on group_id); "
        "table properties delta.enableDeletionVectors=false"
    )


def test_storage_text_says_a_rebuilt_table_is_kept_when_nothing_changed() -> None:
    storage = {
        "format": "Delta",
        "table": "marts.dim_users",
        "write_mode": "overwrite",
        "rebuild": "on_input_change",
    }
    assert dd._storage_text(storage) == (  # noqa: SLF001
        "Delta table marts.dim_users; write mode overwrite (kept when its inputs, "
        "parameters and code did not change)"
    )
    merged = {**storage, "write_mode": "merge", "primary_key": ["user_sk"]}
    assert dd._storage_text(merged) == (  # noqa: SLF001
        "Delta table marts.dim_users; write mode merge (MERGE on user_sk) (kept when "
        "its inputs, parameters and code did not change)"
    )
    appended = {**storage, "write_mode": "append"}
    assert "kept" not in dd._storage_text(appended)  # noqa: SLF001
