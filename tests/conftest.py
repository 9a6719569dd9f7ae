"""Test fixtures: one Spark session (with Delta) for the whole test run.

The session is built by the same factory as the Kedro hook, from the project's own
``conf/base/spark.yml``, with a few options scaled down for 2-core test machines.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pyspark.sql import SparkSession

from motors_meetup.spark import build_spark_session

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Spark's Python workers (pandas UDFs) must import the project even when it is not
# pip-installed; they inherit PYTHONPATH from this process.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH")) if p
)
TEST_OPTIONS = {
    "spark.master": "local[2]",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "2g",
    "spark.rdd.compress": "false",
    "spark.shuffle.compress": "false",
    "spark.databricks.delta.snapshotPartitions": "1",
    # Frames in tests hold a few rows: generating and compiling Java code for each
    # query costs more than it saves. Spark's interpreted evaluation gives the same
    # results (Spark's own tests run both paths).
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
}


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """The test run's SparkSession (embedded, Delta enabled, UTC)."""
    options = yaml.safe_load((PROJECT_ROOT / "conf/base/spark.yml").read_text())
    warehouse = tempfile.mkdtemp(prefix="motors-meetup-spark-")
    options = {key: value for key, value in options.items() if "${" not in str(value)}
    options.update(TEST_OPTIONS)
    options["spark.sql.warehouse.dir"] = warehouse
    session = build_spark_session(options)
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
