"""Environments: every dataset resolves to the right table in local, dev and prd,
and the table mode that dev and prd use writes named tables end to end.

The catalogs are built from the project's own settings and ``conf/`` with no hooks,
so no Spark session is started to check names. The table-mode run uses the
``test_tables`` env against Spark's session catalog (the local stand-in for Unity
Catalog) and the test session's Spark.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kedro.framework.context import KedroContext
from kedro.framework.hooks.manager import _create_hook_manager
from kedro.framework.project import pipelines, settings
from kedro.framework.session import KedroSession
from kedro.framework.startup import ProjectMetadata, bootstrap_project
from kedro.io import MemoryDataset
from pyspark.sql import SparkSession
from sample_figures import expected_figures

from motors_meetup.config_resolvers import USER_ENV_VAR
from motors_meetup.datasets import (
    DeltaTableDataset,
    DeltaViewDataset,
    JsonSourceDataset,
)

STORED = DeltaTableDataset | DeltaViewDataset

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJECT_ROOT / "data" / "01_raw"
INPUT_DIR_ENV_VAR = "MOTORS_MEETUP_INPUT_DIR"
USER = "ci"
LAYERS = ("raw", "staging", "intermediate", "marts", "pbi")
SOURCES = ("events", "groups", "users", "venues")
SCHEMAS = (*LAYERS, "audit")  # dataset name prefix = globals schema key

# env -> (expected table name of <layer>.<table>, expected sources folder)
EXPECTED = {
    "local": ("`ci_{layer}`.`{table}`", "data/01_raw"),
    "dev": ("`dev`.`{layer}`.`{table}`", "/Volumes/dev/raw/landing"),
    "prd": ("`prd`.`{layer}`.`{table}`", "/Volumes/prd/raw/landing"),
}
LOCAL_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse"
TEST_TABLES_CATALOG = "spark_catalog"
TEST_TABLES_SCHEMA = "mm_test_{layer}"
SECRET_PATTERNS = (
    re.compile(r"dapi[0-9a-f]{32}"),  # Databricks personal access token
    re.compile(r"^\s*(token|password|client_secret)\s*:", re.IGNORECASE | re.M),
)


@pytest.fixture(scope="module")
def metadata() -> ProjectMetadata:
    """The project, bootstrapped as ``kedro run`` does (settings, pipelines)."""
    return bootstrap_project(PROJECT_ROOT)


def _context(metadata: ProjectMetadata, env: str) -> KedroContext:
    """The env's KedroContext from the project settings, with no hooks registered."""
    config_loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(PROJECT_ROOT / settings.CONF_SOURCE),
        env=env,
        runtime_params={},
        **settings.CONFIG_LOADER_ARGS,
    )
    return KedroContext(
        package_name=metadata.package_name,
        project_path=PROJECT_ROOT,
        config_loader=config_loader,
        hook_manager=_create_hook_manager(),
        env=env,
    )


@pytest.fixture(scope="module", params=list(EXPECTED))
def env_catalog(
    request: pytest.FixtureRequest, metadata: ProjectMetadata
) -> Iterator[tuple[str, KedroContext, dict[str, Any]]]:
    """(env, context, {dataset name: dataset}) for every dataset of every pipeline.

    The jobs run ``__default__`` and the pipelines beside it (freshness, data
    tests); a dataset passed in memory between two nodes of one run is None.
    """
    env = request.param
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(USER_ENV_VAR, USER)
        patch.delenv(INPUT_DIR_ENV_VAR, raising=False)
        context = _context(metadata, env)
        catalog = context.catalog
        names = set().union(*(pipe.datasets() for pipe in pipelines.values()))
        datasets = {name: catalog.get(name) for name in sorted(names)}
        yield env, context, datasets


def _split(name: str) -> tuple[str, str]:
    layer, _, table = name.partition(".")
    return layer, table


def test_every_dataset_of_the_default_pipeline_is_declared(env_catalog):
    # Every layer output is a table: no MemoryDataset between the layers' nodes
    # (a Databricks task, or a rerun from a node, starts from the stored tables).
    env, context, datasets = env_catalog
    undeclared = {
        name: type(datasets[name]).__name__
        for name in pipelines["__default__"].datasets()
        if not isinstance(datasets[name], STORED | JsonSourceDataset)
        and not name.startswith("params:")
    }
    assert not undeclared, f"{env}: datasets matching no catalog entry: {undeclared}"
    for name, ds in datasets.items():
        if name.startswith("params:"):
            assert isinstance(ds, MemoryDataset), name
            key = name.removeprefix("params:")
            assert ds.load() == context.params[key]


def test_every_layer_table_has_its_environment_name(env_catalog):
    env, _, datasets = env_catalog
    pattern, _ = EXPECTED[env]
    tables = {n: ds for n, ds in datasets.items() if isinstance(ds, STORED)}
    assert tables
    for name, ds in tables.items():
        layer, table = _split(name)
        assert layer in SCHEMAS, name
        if ds.location.table != table:
            # A second name for a table (written and read under different names).
            assert f"{layer}.{ds.location.table}" in tables, name
            table = ds.location.table
        assert ds.location.name == pattern.format(layer=layer, table=table), name
        if env == "local":
            expected = LOCAL_WAREHOUSE / "workspace" / f"{USER}_{layer}" / table
            assert ds.location.path == str(expected), name
        else:
            # Table mode: Unity Catalog names, no storage path anywhere.
            assert ds.location.path is None, name
            assert ds.location.catalog == env


def test_every_registered_layer_pipeline_is_covered(env_catalog):
    _, _, datasets = env_catalog
    layers_with_tables = {
        _split(n)[0] for n, ds in datasets.items() if isinstance(ds, STORED)
    }
    registered_layers = {name for name in pipelines if name in LAYERS}
    assert registered_layers <= layers_with_tables


def test_sources_are_read_from_the_environment_input_dir(env_catalog):
    env, _, datasets = env_catalog
    _, input_dir = EXPECTED[env]
    sources = {n: ds for n, ds in datasets.items() if isinstance(ds, JsonSourceDataset)}
    assert set(sources) == {f"sources.{s}" for s in SOURCES}
    for ds in sources.values():
        assert ds._describe()["input_dir"] == input_dir


def test_dataset_names_and_tables_are_the_same_in_every_environment(metadata):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(USER_ENV_VAR, USER)
        names = set().union(*(pipe.datasets() for pipe in pipelines.values()))
        per_env = {}
        for env in EXPECTED:
            catalog = _context(metadata, env).catalog
            datasets = {name: catalog.get(name) for name in names}
            per_env[env] = {
                name: ds.location.table
                for name, ds in datasets.items()
                if isinstance(ds, STORED)
            }
    assert per_env["dev"] == per_env["local"] == per_env["prd"]


def test_cloud_input_dir_comes_from_the_environment_variable(metadata, monkeypatch):
    monkeypatch.setenv(INPUT_DIR_ENV_VAR, "/Volumes/prd/raw/other_landing")
    catalog = _context(metadata, "prd").catalog
    source = catalog.get("sources.events")
    assert source._describe()["input_dir"] == "/Volumes/prd/raw/other_landing"


def test_no_credentials_in_conf():
    # conf/local is the one place for them: never packaged, never committed.
    local = PROJECT_ROOT / "conf" / "local"
    shipped = [
        path
        for path in sorted((PROJECT_ROOT / "conf").rglob("*"))
        if path.is_file() and not path.is_relative_to(local)
    ]
    assert shipped
    for path in shipped:
        assert not path.name.startswith("credentials"), path
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in SECRET_PATTERNS:
            assert not pattern.search(text), f"{path}: looks like a credential"


# --- Table mode end to end, against Spark's session catalog ----------------------


def _records_in(source: str) -> int:
    """Records in a sample source file (JSON lines or one top-level array)."""
    text = (RAW_DIR / f"{source}.json").read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        return len(json.loads(text))
    # Lines end at "\n" only: descriptions hold U+2028, which splitlines() splits on.
    return sum(1 for line in text.split("\n") if line.strip())


def _table_datasets(
    metadata: ProjectMetadata, pipeline_names: tuple[str, ...]
) -> dict[str, DeltaTableDataset]:
    catalog = _context(metadata, "test_tables").catalog
    outputs = set().union(*(pipelines[name].all_outputs() for name in pipeline_names))
    return {name: catalog.get(name) for name in sorted(outputs)}


def _drop_test_schemas(spark: SparkSession) -> None:
    for layer in SCHEMAS:
        schema = TEST_TABLES_SCHEMA.format(layer=layer)
        spark.sql(f"DROP SCHEMA IF EXISTS {TEST_TABLES_CATALOG}.{schema} CASCADE")


def _last_operation(spark: SparkSession, table: str) -> str:
    return spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["operation"]


def test_raw_and_staging_write_named_tables_in_table_mode(
    spark: SparkSession, metadata: ProjectMetadata, monkeypatch
):
    monkeypatch.setenv(USER_ENV_VAR, USER)
    _drop_test_schemas(spark)
    tables = _table_datasets(metadata, ("raw", "staging"))
    for name, ds in tables.items():
        schema, _ = _split(name)
        assert isinstance(ds, DeltaTableDataset), name
        assert ds.location.path is None, name
        table = ds.location.table
        expected = f"`{TEST_TABLES_CATALOG}`.`mm_test_{schema}`.`{table}`"
        assert ds.location.name == expected, name
    names = {n: ds.location.name.replace("`", "") for n, ds in tables.items()}

    def run() -> dict[str, int]:
        try:
            with KedroSession.create(
                project_path=PROJECT_ROOT,
                env="test_tables",
                # Contract data checks are tested elsewhere; here only storage is.
                runtime_params={
                    "input_dir": str(RAW_DIR),
                    "contracts": {"depth": "SCHEMA_ONLY"},
                },
            ) as session:
                session.run(pipeline_names=["raw", "staging"])
        finally:
            # session.run leaves its pipeline filter on the global registry.
            pipelines.set_requested(None)
        missing = [t for t in names.values() if not spark.catalog.tableExists(t)]
        assert not missing, f"tables not in the Spark catalog: {missing}"
        return {name: spark.table(table).count() for name, table in names.items()}

    first = run()

    # Managed Delta tables of the session catalog, under its warehouse dir.
    warehouse = spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:")
    for table in names.values():
        detail = spark.sql(f"DESCRIBE DETAIL {table}").first()
        assert detail["format"] == "delta", table
        assert detail["location"].removeprefix("file:").startswith(warehouse), table

    # Row counts: every record of the (clean) sample is accepted, and each table
    # holds the rows of its grain, as computed from the JSON in plain Python.
    figures = expected_figures()
    for source in SOURCES:
        accepted, rejected = first[f"raw.raw_{source}"], first[f"raw.{source}_rejected"]
        assert (accepted, rejected) == (_records_in(source), 0), source
    for entity in ("groups", "users", "venues"):
        assert first[f"staging.stg_{entity}"] == figures[entity], entity
    assert first["staging.stg_events"] == figures["events"]
    assert first["staging.stg_event_rsvps"] == figures["rsvps"]
    assert first["staging.stg_memberships"] == figures["memberships"]
    assert first["staging.stg_group_topics"] == figures["topics"]

    # A second run writes into the existing named tables: the same input gives the
    # same rows whether a table is overwritten or merged; appended history grows.
    versions = {name: _version(spark, table) for name, table in names.items()}
    second = run()
    operations = {name: _last_operation(spark, table) for name, table in names.items()}
    for name, ds in tables.items():
        mode = ds._describe()["write_mode"]
        if mode == "append":
            assert second[name] > first[name], name
        else:
            assert second[name] == first[name], name
        if mode == "merge" and _version(spark, names[name]) > versions[name]:
            assert operations[name] == "MERGE", name
        elif mode == "overwrite" and ds.rebuilds_on_input_change:
            # Built from the same input versions: kept, as its stamp in the named
            # table's history says.
            assert _version(spark, names[name]) == versions[name], name
        elif mode == "overwrite":
            assert operations[name] == "CREATE OR REPLACE TABLE AS SELECT", name
    _drop_test_schemas(spark)


def _version(spark: SparkSession, table: str) -> int:
    return spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"]


def test_merge_into_a_named_table(spark: SparkSession):
    schema = TEST_TABLES_SCHEMA.format(layer="merge_probe")
    spark.sql(f"DROP SCHEMA IF EXISTS {TEST_TABLES_CATALOG}.{schema} CASCADE")
    ds = DeltaTableDataset(
        catalog=TEST_TABLES_CATALOG,
        schema=schema,
        table="merge_probe",
        write_mode="merge",
        primary_key=["id"],
    )
    assert not ds.exists()
    ds.save(spark.createDataFrame([(1, "a"), (2, "b")], "id int, value string"))
    ds.save(spark.createDataFrame([(2, "B"), (3, "c")], "id int, value string"))
    table = f"{TEST_TABLES_CATALOG}.{schema}.merge_probe"
    assert spark.catalog.tableExists(table)
    assert sorted(tuple(r) for r in ds.load().collect()) == [
        (1, "a"),
        (2, "B"),
        (3, "c"),
    ]
    assert _last_operation(spark, table) == "MERGE"
    spark.sql(f"DROP SCHEMA {TEST_TABLES_CATALOG}.{schema} CASCADE")
