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
