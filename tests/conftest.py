"""Test fixtures: one Spark session (with Delta) for the whole test run.

The session is built by the same factory as the Kedro hook, from the project's own
``spark.yml`` of the ``test`` env (``conf/base`` with ``conf/test``'s options scaled
down for 2-core test machines). ``KEDRO_ENV=test`` makes every in-process ``kedro
run`` of the suite use that env too: a run re-applies its env's Spark options to the
shared session, and the base's would stay in force for the tests that follow.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader
from pyspark.sql import SparkSession

from motors_meetup.settings import CONFIG_LOADER_ARGS
from motors_meetup.spark import build_spark_session

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
TEST_ENV = "test"
os.environ["KEDRO_ENV"] = TEST_ENV

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Spark's Python workers (pandas UDFs) must import the project even when it is not
# pip-installed; they inherit PYTHONPATH from this process.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")) if p
)


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """The test run's SparkSession (embedded, Delta enabled, UTC)."""
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"),
        env=TEST_ENV,
        runtime_params={"warehouse_dir": tempfile.mkdtemp(prefix="motors-meetup-")},
        **{k: v for k, v in CONFIG_LOADER_ARGS.items() if k != "default_run_env"},
    )
    session = build_spark_session(loader["spark"])
    yield session
    session.stop()


# `make test` runs the suite on two pytest-xdist workers, each with its own Spark
# session. A worker runs whole modules, so a module's fixtures (whole pipeline runs,
# most of them) are built once; the modules that read the shared sample warehouse
# run together on one worker, so it is built once too.
SAMPLE_GROUP = "sample_warehouse"
SAMPLE_MODULES = (
    "tests/pipelines/data_tests/test_data_tests.py",
    "tests/test_notebook.py",
    "tests/test_run.py",
)
# The groups whose set-up runs whole pipelines, longest first: started first, they
# keep both workers busy while the short modules fill in around them.
RUN_FIRST = (
    "tests/test_incremental.py",
    SAMPLE_GROUP,
    "tests/test_environments.py",
    "tests/test_packaging.py",
)


def _module(nodeid: str) -> str:
    """The test module of a test id (``tests/test_run.py::test_x``)."""
    return nodeid.partition("::")[0]


def _group(nodeid: str) -> str:
    """The scheduling group of a test: its module, or :data:`SAMPLE_GROUP`."""
    module = _module(nodeid)
    return SAMPLE_GROUP if module in SAMPLE_MODULES else module


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the tests of :data:`RUN_FIRST` first (each worker collects the same
    order; the scheduler hands groups out in it)."""
    unlisted = {
        _module(item.nodeid)
        for item in items
        if "sample_warehouse" in item.fixturenames
        and _group(item.nodeid) != SAMPLE_GROUP
    }
    if unlisted:
        raise pytest.UsageError(
            f"tests/conftest.py: add {sorted(unlisted)} to SAMPLE_MODULES, or two "
            "workers will each build the sample warehouse"
        )
    rank = {group: index for index, group in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(_group(item.nodeid), len(rank)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """pytest-xdist's scheduler for ``-n``: it hands out whole :func:`_group`
    groups to the workers, in collection order."""
    from xdist.scheduler import LoadScopeScheduling  # noqa: PLC0415

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid)

    config.option.loadscopereorder = False
    return GroupScheduling(config, log)


SAMPLE_USER = "sample"
SAMPLE_AS_OF = "2018-06-30"


@pytest.fixture(scope="session")
def sample_warehouse(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    """``(warehouse_dir, user)`` of the bundled sample, built once per test run.

    Shared by every test that reads a built warehouse (end to end, data tests,
    notebook) so the whole suite pays for one full build. Tests must not modify it.
    """
    from kedro.framework.session import KedroSession  # noqa: PLC0415
    from kedro.framework.startup import bootstrap_project  # noqa: PLC0415

    root = tmp_path_factory.mktemp("sample-warehouse")
    bootstrap_project(PROJECT_ROOT)
    params = {"warehouse_dir": str(root), "as_of_date": SAMPLE_AS_OF}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOTORS_MEETUP_USER", SAMPLE_USER)
        with KedroSession.create(
            project_path=PROJECT_ROOT, runtime_params=params
        ) as session:
            session.run()
    return str(root), SAMPLE_USER
