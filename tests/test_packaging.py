"""The wheel: ``kedro package`` builds it and the conf archive; installed into a fresh
virtual environment, its entry point runs part of the raw pipeline (the batch and
one source: what proves the packaged code, conf, Spark and Delta work together; the
other sources run the same code in-process elsewhere) on the sample data with the
packaged conf, as a Databricks ``python_wheel_task`` does.

The venv sees the system site-packages (pyspark and the other dependencies are not
downloaded again) but gets the wheel itself with ``--no-deps``; the run happens
outside the repository, with no PYTHONPATH, so only the wheel's code is used. It
runs the packaged conf's ``test`` env (Spark sized for CI, as every run of the
suite; the catalog and parameters are the base's), since the JVM it starts is new.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

from kedro.framework.project import pipelines
from kedro.framework.startup import bootstrap_project
from sample_figures import expected_figures

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "motors_meetup"
ENTRY_POINT = "motors-meetup"
PROJECT_FILES = ("pyproject.toml", "README.md", "src", "conf")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
USER = "ci"
# The nodes the wheel runs, and the tables they write.
NODES = ("open_batch", "raw_venues")

logger = logging.getLogger(__name__)

# How Databricks runs a python_wheel_task: find the entry point in the installed
# package's metadata, put the task parameters in sys.argv, call it.
WHEEL_TASK = """
import sys
from importlib.metadata import entry_points
(entry,) = entry_points(group="console_scripts", name=sys.argv[1])
sys.argv = [sys.argv[1], *sys.argv[2:]]
entry.load()()
"""


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KEDRO_ENV")}
    env.update(KEDRO_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1", **extra)
    return env


def _run(args: list[str | Path], cwd: Path, **extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_environment(**extra),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        f"{args} failed ({result.returncode}):\n{result.stdout[-4000:]}\n"
        f"{result.stderr[-4000:]}"
    )
    return time.perf_counter() - started


def _package(tmp_path: Path) -> tuple[Path, Path]:
    """``kedro package`` in a copy of the project; returns (wheel, conf archive)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=IGNORED)
        elif source.is_file():
            shutil.copyfile(source, project / name)
    _run([sys.executable, "-m", "kedro", "package"], cwd=project)
    (wheel,) = (project / "dist").glob(f"{PACKAGE}-*-py3-none-any.whl")
    conf = project / "dist" / f"conf-{PACKAGE}.tar.gz"
    assert conf.is_file()
    return wheel, conf


def test_packaged_wheel_runs_raw_nodes_from_a_fresh_venv(tmp_path, spark):
    wheel, conf = _package(tmp_path)

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    assert f"{PACKAGE}/__main__.py" in names
    assert f"{PACKAGE}/pipelines/raw/pipeline.py" in names
    assert not [n for n in names if n.startswith(("conf/", "data/"))]
    assert f"{ENTRY_POINT} = {PACKAGE}.__main__:main" in scripts

    with tarfile.open(conf) as archive:
        members = set(archive.getnames())
    for env in ("base", "dev", "prd"):
        assert f"conf/{env}/globals.yml" in members
    assert "conf/base/catalog.yml" in members
    assert "conf/test/spark.yml" in members
    assert not [
        m for m in members if m.startswith("conf/local/") and m.endswith(".yml")
    ]

    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "venv", "--system-site-packages", venv], cwd=tmp_path)
    install_seconds = _run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel],
        cwd=tmp_path,
    )
    logger.info(
        "wheel %s: %.0f kB, installed in %.1fs",
        wheel.name,
        wheel.stat().st_size / 1024,
        install_seconds,
    )
    assert (venv / "bin" / ENTRY_POINT).is_file()

    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    where = subprocess.run(
        [python, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        cwd=workdir,
        env=_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), f"{PACKAGE} imported from {where}"

    warehouse = tmp_path / "warehouse"
    params = f"input_dir={PROJECT_ROOT / 'data' / '01_raw'},warehouse_dir={warehouse}"
    _run(
        [python, "-c", WHEEL_TASK, ENTRY_POINT]
        + ["--conf-source", conf, "--env", "test", "--pipelines", "raw"]
        + ["--nodes", ",".join(NODES), "--params", params],
        cwd=workdir,
        MOTORS_MEETUP_USER=USER,
        SPARK_LOCAL_IP="127.0.0.1",
    )

    bootstrap_project(PROJECT_ROOT)
    outputs = sorted(pipelines["raw"].only_nodes(*NODES).all_outputs())
    assert outputs == [
        "audit.run_batch",
        "raw.raw_venues",
        "raw.venues_rejected",
    ]
    rows = {}
    for name in outputs:
        schema, _, table = name.partition(".")
        folder = warehouse / "workspace" / f"{USER}_{schema}" / table
        assert (folder / "_delta_log").is_dir(), f"{name}: no Delta table at {folder}"
        rows[name] = spark.read.format("delta").load(str(folder)).collect()
    # The sample's venues, all accepted, in the first batch.
    assert len(rows["raw.raw_venues"]) == expected_figures()["venues"]
    assert rows["raw.venues_rejected"] == []
    assert [row.batch_id for row in rows["audit.run_batch"]] == [1]
    assert {row._batch_id for row in rows["raw.raw_venues"]} == {1}
    assert not (workdir / "data").exists()  # nothing written relative to the cwd
