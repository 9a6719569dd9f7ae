"""The data dictionary, generated from the contracts and the resolved catalog.

Every table gets its layer, grain, key, columns (type, nullability, description,
checks), relationships, storage (write mode and merge key from the catalog) and
lineage (the node that writes it, the nodes that read it). Nothing here is written
by hand: a table's words live in its pandera contract (``Config.description``,
``Config.metadata``, each ``pa.Field(description=...)``); a table without a
contract (the batch bookkeeping) takes ``metadata.description`` from the catalog.

The same :class:`TableDoc` renders the HTML card that kedro-viz shows as each
dataset's preview (``DeltaTableDataset.preview``, ``JsonSourceDataset.preview``).

    python -m motors_meetup.docs.data_dictionary --out build \\
        [--env local] [--params warehouse_dir=/tmp/wh] [--pipeline __default__]

writes ``data_dictionary.md`` and ``data_dictionary.html`` into ``--out``. No Spark
is started: datasets are only instantiated, and built tables are read from their
Delta logs.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandera.pyspark as pa
    from kedro.io import AbstractDataset
    from kedro.pipeline import Pipeline

    from motors_meetup.datasets.delta_table import DeltaTableDataset
    from motors_meetup.datasets.delta_view import DeltaViewDataset
    from motors_meetup.datasets.json_source import JsonSourceDataset

PROJECT_ROOT = Path(__file__).resolve().parents[3]
# The order tables are listed in: the flow of the data (kedro-viz's bands).
LAYER_ORDER = ("sources", "raw", "staging", "intermediate", "marts", "pbi", "audit")
NO_DESCRIPTION = "No contract and no description in the catalog."
CELL_CHARS = 80
CHECK_CHARS = 60


@dataclass(frozen=True)
class ColumnDoc:
    """One column of a table."""

    name: str
    dtype: str
    nullable: bool | None
    description: str = ""
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableDoc:
    """Everything the dictionary says about one dataset."""

    dataset: str
    layer: str
    description: str
    grain: str = ""
    key: tuple[str, ...] = ()
    columns: tuple[ColumnDoc, ...] = ()
    relationships: Mapping[str, str] = field(default_factory=dict)
    storage: Mapping[str, Any] = field(default_factory=dict)
    produced_by: tuple[str, ...] = ()
    used_by: tuple[str, ...] = ()
    has_contract: bool = False

    @property
    def anchor(self) -> str:
        """The HTML id of the table's section."""
        return re.sub(r"[^a-z0-9]+", "-", self.dataset.lower()).strip("-")


# ---- contracts -----------------------------------------------------------------------


def contract_for_table(
    table: str, layer: str | None = None
) -> tuple[str, type[pa.DataFrameModel]] | None:
    """The ``(dataset name, model)`` of the contract of ``table``, or None.

    Table names are unique across layers (``raw_``, ``stg_``, ``int_``...); when
    ``layer`` is given it decides between namesakes.
    """
    from motors_meetup.contracts import all_contracts  # noqa: PLC0415

    found = [
        (name, model)
        for name, model in all_contracts().items()
        if name.split(".", 1)[1] == table
    ]
    if layer is not None:
        found = [item for item in found if item[0].split(".", 1)[0] == layer] or found
    return found[0] if found else None


def table_description(table: str, metadata: Mapping[str, Any] | None = None) -> str:
    """The contract's ``Config.description``, else the catalog's description."""
    contract = contract_for_table(table)
    if contract is not None:
        description = getattr(contract[1].Config, "description", None)
        if description:
            return str(description)
    described = (metadata or {}).get("description")
    return str(described) if described else NO_DESCRIPTION


def contract_columns(model: type[pa.DataFrameModel]) -> tuple[ColumnDoc, ...]:
    """The columns of a contract, with their type, nullability, docs and checks."""
    schema = model.to_schema()
    columns = []
    for name, column in schema.columns.items():
        checks = [check_text(check) for check in column.checks]
        if column.unique:
            checks.insert(0, "unique")
        columns.append(
            ColumnDoc(
                name=str(name),
                dtype=spark_type_name(column.dtype),
                nullable=bool(column.nullable),
                description=column.description or "",
                checks=tuple(checks),
            )
        )
    return tuple(columns)


def spark_type_name(dtype: Any) -> str:
    """``string``, ``decimal(18,1)``, ``array<struct<...>>``: Spark's short names."""
    spark_type = getattr(dtype, "type", dtype)
    simple = getattr(spark_type, "simpleString", None)
    return simple() if callable(simple) else str(dtype)


def check_text(check: Any) -> str:
    """A pandera check as a short phrase: ``>= 0``, ``in (yes, no)``, ``matches …``."""
    stats = dict(getattr(check, "statistics", None) or {})
    name = str(getattr(check, "name", check))
    words = {
        "greater_than_or_equal_to": lambda: f">= {stats.get('min_value')}",
        "greater_than": lambda: f"> {stats.get('min_value')}",
        "less_than_or_equal_to": lambda: f"<= {stats.get('max_value')}",
        "less_than": lambda: f"< {stats.get('max_value')}",
        "equal_to": lambda: f"= {stats.get('value')}",
        "not_equal_to": lambda: f"!= {stats.get('value')}",
        "in_range": lambda: f"in [{stats.get('min_value')}, {stats.get('max_value')}]",
        "isin": lambda: (
            "in (" + ", ".join(str(v) for v in stats.get("allowed_values", ())) + ")"
        ),
        "notin": lambda: (
            "not in ("
            + ", ".join(str(v) for v in stats.get("forbidden_values", ()))
            + ")"
        ),
        "str_matches": lambda: f"matches {stats.get('pattern')}",
        "str_length": lambda: (
            f"length {stats.get('min_value')}..{stats.get('max_value')}"
        ),
    }
    text = words[name]() if name in words else name
    return _shorten(text, CHECK_CHARS)


def ddl_columns(ddl: str) -> tuple[ColumnDoc, ...]:
    """Columns of a flat DDL string such as ``"a string, b bigint"``."""
    columns = []
    for part in ddl.split(","):
        name, _, dtype = part.strip().partition(" ")
        if name:
            columns.append(ColumnDoc(name, dtype.strip(), None))
    return tuple(columns)


# ---- one dataset ---------------------------------------------------------------------


def table_doc(
    dataset_name: str,
    dataset: AbstractDataset,
    pipeline: Pipeline | None = None,
) -> TableDoc:
    """The dictionary entry of one catalog dataset."""
    from motors_meetup.datasets.delta_table import DeltaTableDataset  # noqa: PLC0415
    from motors_meetup.datasets.delta_view import DeltaViewDataset  # noqa: PLC0415
    from motors_meetup.datasets.json_source import JsonSourceDataset  # noqa: PLC0415

    layer = dataset_name.split(".", 1)[0] if "." in dataset_name else ""
    produced_by, used_by = _lineage(dataset_name, pipeline)
    metadata = getattr(dataset, "metadata", None) or {}
    if isinstance(dataset, JsonSourceDataset):
        return TableDoc(
            dataset=dataset_name,
            layer=layer,
            description=source_description(dataset),
            grain="one row per record of a delivery file",
            columns=source_columns(),
            storage={"format": "JSON files", "location": dataset.location_pattern},
            produced_by=produced_by,
            used_by=used_by,
        )
    if not isinstance(dataset, DeltaTableDataset | DeltaViewDataset):
        return TableDoc(
            dataset=dataset_name,
            layer=layer,
            description=str(metadata.get("description") or NO_DESCRIPTION),
            storage={"format": type(dataset).__name__},
            produced_by=produced_by,
            used_by=used_by,
        )
    storage = {
        "format": "view" if isinstance(dataset, DeltaViewDataset) else "Delta",
        "table": dataset.location.name.replace("`", ""),
        "path": _display_path(dataset.location.path),
        **dataset.storage,
    }
    contract = contract_for_table(dataset.location.table, layer or None)
    if contract is None:
        return TableDoc(
            dataset=dataset_name,
            layer=layer,
            description=table_description(dataset.location.table, metadata),
            grain=str(metadata.get("grain") or ""),
            key=tuple(dataset.storage["primary_key"]),
            columns=_stored_columns(dataset),
            storage=storage,
            produced_by=produced_by,
            used_by=used_by,
        )
    _, model = contract
    config = model.Config
    meta = dict(getattr(config, "metadata", None) or {})
    key = meta.get("key")
    if key is None:
        unique = getattr(config, "unique", None) or []
        key = [unique] if isinstance(unique, str) else unique
    return TableDoc(
        dataset=dataset_name,
        layer=layer,
        description=str(getattr(config, "description", "") or NO_DESCRIPTION),
        grain=str(meta.get("grain") or ""),
        key=tuple(key),
        columns=contract_columns(model),
        relationships=dict(meta.get("relationships") or {}),
        storage=storage,
        produced_by=produced_by,
        used_by=used_by,
        has_contract=True,
    )


def source_description(dataset: JsonSourceDataset) -> str:
    """A source's description, from its location and the raw table it feeds."""
    contract = contract_for_table(f"raw_{dataset.source}", "raw")
    typed = ""
    if contract is not None:
        typed = (
            f" Typed, checked and quarantined into {contract[0]} "
            f"({getattr(contract[1].Config, 'description', '')})"
        )
    return (
        f"Meetup export '{dataset.source}': {dataset.location_pattern}, JSON lines "
        f"or one top-level array per file; read as one text row per record."
        f"{typed}"
    )


def source_columns() -> tuple[ColumnDoc, ...]:
    """The columns every source is loaded with (``JsonSourceDataset``)."""
    from motors_meetup.datasets.json_source import RECORD_SCHEMA  # noqa: PLC0415

    return tuple(
        ColumnDoc(
            name=f.name,
            dtype=f.dataType.simpleString(),
            nullable=f.nullable,
            description=str(f.metadata.get("comment", "")),
        )
        for f in RECORD_SCHEMA.fields
    )


def _stored_columns(dataset: DeltaTableDataset) -> tuple[ColumnDoc, ...]:
    """Columns of a table without contract: its Delta schema, else its DDL."""
    snapshot = dataset.snapshot()
    if snapshot is not None:
        return tuple(
            ColumnDoc(
                f.name,
                f.dataType.simpleString(),
                f.nullable,
                str(f.metadata.get("comment", "")),
            )
            for f in snapshot.schema.fields
        )
    ddl = getattr(dataset, "_empty_schema", None)
    return ddl_columns(ddl) if ddl else ()


def _lineage(
    dataset_name: str, pipeline: Pipeline | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if pipeline is None:
        return (), ()
    produced = tuple(n.name for n in pipeline.nodes if dataset_name in n.outputs)
    used = tuple(n.name for n in pipeline.nodes if dataset_name in n.inputs)
    return produced, used


def _display_path(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).relative_to(PROJECT_ROOT))
    except ValueError:
        return path


# ---- the kedro-viz cards ------------------------------------------------------------


def dataset_card(
    dataset: DeltaTableDataset | DeltaViewDataset, preview: Mapping[str, Any]
) -> str:
    """HTML shown by kedro-viz for a Delta table or view: what it is, first rows,
    columns."""
    doc = table_doc(_dataset_name(dataset), dataset)
    snapshot = None
    try:
        snapshot = dataset.snapshot()
    except Exception:  # noqa: BLE001 - the card is still useful without it
        snapshot = None
    view_of = dataset.storage.get("view_of")
    if view_of and snapshot is not None:
        rows = snapshot.num_records
        state = (
            f"view of {view_of} (Delta version {snapshot.version}, "
            f"{'?' if rows is None else f'{rows:,}'} rows)"
        )
    elif view_of:
        state = f"view of {view_of}"
    elif snapshot is not None:
        rows = snapshot.num_records
        state = (
            f"Delta version {snapshot.version}, "
            f"{'?' if rows is None else f'{rows:,}'} rows, "
            f"{_size(snapshot.size_bytes)}"
        )
    elif dataset.location.path is None:
        state = "Unity Catalog table"
    else:
        state = "not built yet"
    if preview.get("data"):
        rows_html = _html_table(preview["columns"], preview["data"])
    elif snapshot is not None:
        rows_html = "<p><em>The table is empty.</em></p>"
    else:
        rows_html = "<p><em>No rows to show: the table is not built yet.</em></p>"
    parts = [
        f"<p><strong>{_e(doc.description)}</strong></p>",
        _facts_html(doc, state),
        f"<p><strong>First {len(preview['data'])} rows</strong></p>"
        if preview.get("data")
        else "",
        rows_html,
        "<p><strong>Columns</strong></p>",
        _columns_html(doc.columns),
        _relationships_html(doc.relationships),
    ]
    return _card(parts)


def source_card(dataset: JsonSourceDataset, records: Sequence[tuple[str, str]]) -> str:
    """HTML shown by kedro-viz for a raw JSON source: what it is, first records."""
    doc = table_doc(f"sources.{dataset.source}", dataset)
    files = dataset.files()
    size = sum(f.path.stat().st_size for f in files)
    state = f"{len(files)} delivery file(s), {_size(size)}" if files else "no file yet"
    parts = [
        f"<p><strong>{_e(doc.description)}</strong></p>",
        _facts_html(doc, state),
        f"<p><strong>First {len(records)} records</strong></p>",
        _html_table(["file", "record"], [list(record) for record in records])
        if records
        else "<p><em>No records: no delivery file yet.</em></p>",
        "<p><strong>Columns when loaded</strong></p>",
        _columns_html(doc.columns),
    ]
    return _card(parts)


def _dataset_name(dataset: DeltaTableDataset | DeltaViewDataset) -> str:
    contract = contract_for_table(dataset.location.table)
    if contract is not None:
        return contract[0]
    layer = ((dataset.metadata or {}).get("kedro-viz") or {}).get("layer", "")
    return f"{layer}.{dataset.location.table}" if layer else dataset.location.table


# kedro-viz 12 passes an HTML preview, after sanitising it, through a few regular
# expressions that imitate Markdown: `_x_` and `*x*` become emphasis, `` `x` `` code,
# `[x](y)` a link, and every newline a <br>. Their `.` never crosses a newline, so
# a newline hidden (display:none) right after each of those characters keeps
# `rsvp_sk` and `event_start_date_id` as they are; the text copies unchanged.
_MARKDOWN_CHARS = re.compile(r"([_*`\]])")
_HIDDEN_NEWLINE = '<span style="display:none">\n</span>'
_TAG = re.compile(r"(<[^>]*>)")


def _card(parts: Iterable[str]) -> str:
    card = '<div class="motors-meetup-card">' + "".join(parts) + "</div>"
    return "".join(
        piece
        if piece.startswith("<")
        else _MARKDOWN_CHARS.sub(r"\1" + _HIDDEN_NEWLINE, piece)
        for piece in _TAG.split(card)
    )


def _facts_html(doc: TableDoc, state: str) -> str:
    facts = []
    if doc.grain:
        facts.append(f"Grain: {_e(doc.grain)}")
    facts.append("Key: " + (_codes(doc.key) if doc.key else "none"))
    storage = doc.storage
    if storage.get("table"):
        write = f"{_e(storage.get('write_mode', ''))}"
        if storage.get("write_mode") == "merge":
            write += " on " + _codes(storage.get("primary_key") or [])
        write += _kept_note(storage)
        facts.append(f"Delta table {_codes([storage['table']])}, written by {write}")
    facts.append(_e(state))
    return "<p>" + " · ".join(facts) + "</p>"


def _columns_html(columns: Sequence[ColumnDoc]) -> str:
    if not columns:
        return "<p><em>Columns unknown until the table is built.</em></p>"
    rows = [
        [
            c.name,
            c.dtype,
            "" if c.nullable is None else ("yes" if c.nullable else "no"),
            c.description,
            "; ".join(c.checks),
        ]
        for c in columns
    ]
    return _html_table(
        ["column", "type", "null", "description", "checks"], rows, shorten=False
    )


def _relationships_html(relationships: Mapping[str, str]) -> str:
    if not relationships:
        return ""
    items = "".join(
        f"<li>{_codes([column])} → {_codes([target])}</li>"
        for column, target in relationships.items()
    )
    return f"<p><strong>Relationships</strong></p><ul>{items}</ul>"


def _html_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], shorten: bool = True
) -> str:
    head = "".join(f"<th>{_e(str(name))}</th>" for name in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{_e(_shorten(_text(value), CELL_CHARS) if shorten else _text(value))}"
            "</td>"
            for value in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# ---- the whole project ---------------------------------------------------------------


def load_project(
    project_root: Path = PROJECT_ROOT,
    env: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> tuple[Any, dict[str, Pipeline]]:
    """The resolved catalog and the pipelines, without a session (so no hooks and
    no Spark): the same configuration ``kedro run`` and ``kedro viz`` resolve."""
    from kedro.framework.project import pipelines, settings  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    bootstrap_project(project_root)
    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(project_root / settings.CONF_SOURCE),
        env=env,
        runtime_params=dict(params or {}),
        **settings.CONFIG_LOADER_ARGS,
    )
    catalog = settings.DATA_CATALOG_CLASS.from_config(catalog=loader["catalog"])
    return catalog, dict(pipelines)


def collect(
    project_root: Path = PROJECT_ROOT,
    env: str | None = None,
    params: Mapping[str, Any] | None = None,
    pipeline_name: str = "__default__",
) -> list[TableDoc]:
    """A :class:`TableDoc` for every dataset of the pipeline, in layer order."""
    catalog, pipelines = load_project(project_root, env, params)
    pipeline = pipelines[pipeline_name]
    names = [
        name
        for name in pipeline.datasets()
        if not name.startswith("params:") and name != "parameters"
    ]
    docs = [table_doc(name, catalog.get(name), pipeline) for name in names]
    return sorted(docs, key=_order)


def _order(doc: TableDoc) -> tuple[int, int, str]:
    from motors_meetup.contracts import all_contracts  # noqa: PLC0415

    layer = LAYER_ORDER.index(doc.layer) if doc.layer in LAYER_ORDER else 99
    contracts = list(all_contracts())
    position = contracts.index(doc.dataset) if doc.dataset in contracts else 999
    return layer, position, doc.dataset


def render_markdown(docs: Sequence[TableDoc], title: str) -> str:
    """The dictionary as Markdown: an index, then one section per table."""
    lines = [f"# {title}", "", _generated_note(), ""]
    lines += ["| dataset | layer | grain | key | columns |", "|---|---|---|---|---|"]
    for doc in docs:
        lines.append(
            f"| [{doc.dataset}](#{doc.anchor}) | {doc.layer} | {_md(doc.grain)} "
            f"| {_md(', '.join(doc.key))} | {len(doc.columns)} |"
        )
    for doc in docs:
        lines += ["", f"## {doc.dataset}", "", _md(doc.description), ""]
        lines.append(f"- **Layer:** {doc.layer}")
        if doc.grain:
            lines.append(f"- **Grain:** {_md(doc.grain)}")
        lines.append("- **Key:** " + (", ".join(f"`{k}`" for k in doc.key) or "none"))
        lines.append("- **Storage:** " + _md(_storage_text(doc.storage)))
        if doc.produced_by:
            lines.append("- **Written by node:** " + _md_codes(doc.produced_by))
        if doc.used_by:
            lines.append("- **Read by nodes:** " + _md_codes(doc.used_by))
        if doc.relationships:
            lines.append("- **Relationships:**")
            lines += [
                f"  - `{column}` → `{target}`"
                for column, target in doc.relationships.items()
            ]
        if doc.columns:
            lines += [
                "",
                "| column | type | nullable | description | checks |",
                "|---|---|---|---|---|",
            ]
            lines += [
                f"| `{c.name}` | `{c.dtype}` | {_nullable(c)} | {_md(c.description)} "
                f"| {_md('; '.join(c.checks))} |"
                for c in doc.columns
            ]
    return "\n".join(lines) + "\n"


def render_html(docs: Sequence[TableDoc], title: str) -> str:
    """The dictionary as one self-contained HTML page."""
    index_rows = [
        [
            f'<a href="#{doc.anchor}">{_e(doc.dataset)}</a>',
            _e(doc.layer),
            _e(doc.grain),
            _codes(doc.key),
            str(len(doc.columns)),
        ]
        for doc in docs
    ]
    sections = []
    for doc in docs:
        facts = [
            f"<dt>Layer</dt><dd>{_e(doc.layer)}</dd>",
            f"<dt>Grain</dt><dd>{_e(doc.grain) or '—'}</dd>",
            f"<dt>Key</dt><dd>{_codes(doc.key) or 'none'}</dd>",
            f"<dt>Storage</dt><dd>{_e(_storage_text(doc.storage))}</dd>",
        ]
        if doc.produced_by:
            facts.append(f"<dt>Written by node</dt><dd>{_codes(doc.produced_by)}</dd>")
        if doc.used_by:
            facts.append(f"<dt>Read by nodes</dt><dd>{_codes(doc.used_by)}</dd>")
        sections.append(
            f'<section id="{doc.anchor}"><h2>{_e(doc.dataset)}</h2>'
            f"<p>{_e(doc.description)}</p><dl>{''.join(facts)}</dl>"
            f"{_relationships_html(doc.relationships)}"
            f"{_columns_html(doc.columns) if doc.columns else ''}</section>"
        )
    index = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
        for row in index_rows
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
  padding: 0 1rem; color: #1b1f24; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }}
th, td {{ border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left;
  vertical-align: top; }}
th {{ background: #f6f8fa; }}
code {{ background: #f6f8fa; padding: 0 .2rem; }}
dl {{ display: grid; grid-template-columns: 10rem 1fr; gap: .2rem 1rem; }}
dt {{ font-weight: 600; }}
section {{ border-top: 1px solid #d0d7de; margin-top: 2rem; }}
</style></head><body>
<h1>{_e(title)}</h1><p>{_e(_generated_note())}</p>
<table><thead><tr><th>dataset</th><th>layer</th><th>grain</th><th>key</th>
<th>columns</th></tr></thead><tbody>{index}</tbody></table>
{"".join(sections)}
</body></html>
"""


def write_dictionary(
    out_dir: Path,
    env: str | None = None,
    params: Mapping[str, Any] | None = None,
    pipeline_name: str = "__default__",
) -> list[Path]:
    """Write ``data_dictionary.md`` and ``data_dictionary.html`` into ``out_dir``."""
    docs = collect(PROJECT_ROOT, env, params, pipeline_name)
    title = "Motors Meetup data dictionary"
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = out_dir / "data_dictionary.md"
    page = out_dir / "data_dictionary.html"
    markdown.write_text(render_markdown(docs, title), encoding="utf-8")
    page.write_text(render_html(docs, title), encoding="utf-8")
    return [markdown, page]


def viz_stats(
    project_root: Path = PROJECT_ROOT,
    env: str | None = None,
    params: Mapping[str, Any] | None = None,
    pipeline_name: str = "__default__",
) -> dict[str, dict[str, int]]:
    """Rows, columns and bytes of every built Delta table, from its Delta log (a
    view: its table's rows and columns).

    kedro-viz fills "Dataset statistics" only for pandas data (its run hook skips
    Spark DataFrames); these are the same three numbers for our tables.
    """
    from motors_meetup.datasets.delta_table import DeltaTableDataset  # noqa: PLC0415
    from motors_meetup.datasets.delta_view import DeltaViewDataset  # noqa: PLC0415

    catalog, pipelines = load_project(project_root, env, params)
    stats: dict[str, dict[str, int]] = {}
    for name in sorted(pipelines[pipeline_name].datasets()):
        if name.startswith("params:") or name == "parameters":
            continue
        dataset = catalog.get(name)
        stored = isinstance(dataset, DeltaTableDataset | DeltaViewDataset)
        snapshot = dataset.snapshot() if stored else None
        if snapshot is None:
            continue
        entry = {"columns": len(snapshot.schema.fields)}
        if isinstance(dataset, DeltaTableDataset):
            entry["file_size"] = snapshot.size_bytes  # a view stores no data
        if snapshot.num_records is not None:
            entry["rows"] = snapshot.num_records
        stats[name] = entry
    return stats


def write_viz_stats(
    project_root: Path = PROJECT_ROOT,
    env: str | None = None,
    params: Mapping[str, Any] | None = None,
    pipeline_name: str = "__default__",
) -> Path:
    """Merge :func:`viz_stats` into ``.viz/stats.json``, where kedro-viz reads them.

    ``kedro run`` rewrites that file (kedro-viz's hook, with nothing for Spark
    data), so write it after a run and before ``kedro viz run`` / ``build``.
    """
    path = project_root / ".viz" / "stats.json"
    current: dict[str, Any] = {}
    if path.is_file():
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            current = {}
    current.update(viz_stats(project_root, env, params, pipeline_name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, sort_keys=True), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m motors_meetup.docs.data_dictionary --out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "build")
    parser.add_argument("--env", default=None, help="Kedro environment (default local)")
    parser.add_argument(
        "--params",
        default="",
        help="runtime parameters as for kedro run, e.g. warehouse_dir=/tmp/wh",
    )
    parser.add_argument("--pipeline", default="__default__")
    parser.add_argument(
        "--viz-stats",
        action="store_true",
        help="also write rows/columns/size of built tables to .viz/stats.json",
    )
    args = parser.parse_args(argv)
    params = _split_params(args.params)
    written = write_dictionary(args.out, args.env, params, args.pipeline)
    if args.viz_stats:
        written.append(write_viz_stats(PROJECT_ROOT, args.env, params, args.pipeline))
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0


# ---- small helpers -------------------------------------------------------------------


def _split_params(text: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    return {key.strip(): value.strip() for key, value in pairs}


def _kept_note(storage: Mapping[str, Any]) -> str:
    """For a rebuilt or merged table kept when nothing it is built from changed;
    else ""."""
    kept = storage.get("write_mode") in ("overwrite", "merge") and (
        storage.get("rebuild") == "on_input_change"
    )
    return " (kept when its inputs, parameters and code did not change)" if kept else ""


def _storage_text(storage: Mapping[str, Any]) -> str:
    if storage.get("format") == "view":
        text = f"View {storage.get('table')} of {storage.get('view_of')}"
        if storage.get("path"):
            text += f"; its definition at {storage['path']}/_view.json"
        return text + " (no rows of its own: it shows the table's current rows)"
    if storage.get("format") != "Delta":
        location = storage.get("location")
        return f"{storage.get('format')}" + (f" at {location}" if location else "")
    text = f"Delta table {storage.get('table')}"
    if storage.get("path"):
        text += f" at {storage['path']}"
    text += f"; write mode {storage.get('write_mode')}"
    if storage.get("write_mode") == "merge":
        text += f" (MERGE on {', '.join(storage.get('primary_key') or [])}"
        if storage.get("update_condition"):
            text += f", update when {storage['update_condition']}"
        if storage.get("skip_unchanged"):
            text += ", unchanged rows left alone"
        text += ")"
    if storage.get("write_mode") == "insert":
        text += " (each run appends its batch; a rerun replaces that batch's rows)"
    text += _kept_note(storage)
    if storage.get("partition_columns"):
        text += f"; partitioned by {', '.join(storage['partition_columns'])}"
    if storage.get("table_properties"):
        pairs = [f"{key}={value}" for key, value in storage["table_properties"].items()]
        text += f"; table properties {', '.join(pairs)}"
    return text


def _generated_note() -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Generated {stamp} from the table contracts and the resolved Kedro catalog "
        "by python -m motors_meetup.docs.data_dictionary; do not edit by hand."
    )


def _nullable(column: ColumnDoc) -> str:
    return "" if column.nullable is None else ("yes" if column.nullable else "no")


def _text(value: Any) -> str:
    return "null" if value is None else " ".join(str(value).split())


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _codes(names: Iterable[str]) -> str:
    return ", ".join(f"<code>{_e(str(name))}</code>" for name in names)


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _md_codes(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


if __name__ == "__main__":
    raise SystemExit(main())
