"""The Databricks Asset Bundle (databricks.yml + resources/): targets, jobs, tasks.

What can be checked without a workspace: the YAML's structure, that every task
runs the wheel's real entry point with the right ``--env`` per target, that every
pipeline it names exists, schedules, notifications, and that the docs task's
script builds a kedro-viz site. ``databricks bundle validate`` (CLI, workspace
login) checks the rest.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.bundles.jobs import Job
from kedro.framework.startup import bootstrap_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BUNDLE = PROJECT_ROOT / "databricks.yml"
# kedro-viz's layer bands, top to bottom (catalog metadata).
LAYERS = ["sources", "raw", "staging", "intermediate", "marts", "pbi", "audit"]
TARGETS = ("dev", "prd")
CONF_SOURCE = "${workspace.file_path}/conf"
BUILD_CHAIN = {
    "freshness": [],
    "run": ["freshness"],
    "data_tests": ["run"],
    "docs": ["data_tests"],
}
VAR = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")
SECRETS = (
    re.compile(r"dapi[0-9a-f]{32}"),
    re.compile(r"^\s*(token|password|client_secret|host)\s*:", re.IGNORECASE | re.M),
)


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return _load(BUNDLE)


@pytest.fixture(scope="module")
def resource_files(bundle) -> list[Path]:
    files = sorted(
        {path for pattern in bundle["include"] for path in PROJECT_ROOT.glob(pattern)}
    )
    assert files, "the bundle includes no resource file"
    return files


@pytest.fixture(scope="module")
def jobs(resource_files) -> dict[str, dict[str, Any]]:
    """Every job of the bundle, with the file that defines it (``_file``)."""
    found: dict[str, dict[str, Any]] = {}
    for path in resource_files:
        for key, job in (_load(path).get("resources", {}).get("jobs") or {}).items():
            assert key not in found, f"job {key} defined twice"
            found[key] = {**job, "_file": path}
    return found


@pytest.fixture(scope="module")
def pyproject() -> dict[str, Any]:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _variables(bundle: dict[str, Any], target: str) -> dict[str, Any]:
    """The bundle's variables as the target sees them."""
    values = {
        name: spec.get("default")
        for name, spec in bundle["variables"].items()
        if isinstance(spec, dict)
    }
    values.update(bundle["targets"][target].get("variables") or {})
    return values


def _resolve(value: str, variables: dict[str, Any]) -> str:
    return VAR.sub(lambda m: str(variables[m.group(1)]), value)


def _wheel_tasks(jobs) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for key, job in jobs.items():
        for task in job["tasks"]:
            if "python_wheel_task" in task:
                yield key, job, task


def _option(parameters: list[str], name: str) -> list[str]:
    return [parameters[i + 1] for i, p in enumerate(parameters) if p == name]


def _tasks(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {task["task_key"]: task for task in job["tasks"]}


def _depends_on(task: dict[str, Any]) -> list[str]:
    return [dep["task_key"] for dep in task.get("depends_on", [])]


# --- targets, artifact, sync -----------------------------------------------------


def test_targets_are_dev_by_default_and_prd_in_production_mode(bundle):
    targets = bundle["targets"]
    assert set(targets) == set(TARGETS)
    assert targets["dev"]["mode"] == "development"
    assert targets["dev"]["default"] is True
    assert targets["prd"]["mode"] == "production"
    assert "default" not in targets["prd"]


@pytest.mark.parametrize("target", TARGETS)
def test_target_variables_match_the_kedro_environment(bundle, target):
    variables = _variables(bundle, target)
    assert variables["environment"] == target
    globals_file = PROJECT_ROOT / "conf" / target / "globals.yml"
    kedro_globals = _load(globals_file)
    assert variables["catalog"] == kedro_globals["catalog"] == target
    # The job's input folder (MOTORS_MEETUP_INPUT_DIR) and the conf fallback agree.
    assert variables["input_dir"] == f"/Volumes/{target}/raw/landing"
    assert variables["input_dir"] in kedro_globals["paths"]["input_dir"]
    assert variables["docs_dir"].startswith(f"/Volumes/{target}/")
    for name, value in variables.items():
        assert value is not None or name == "failure_webhook_id", name


def test_bundle_holds_no_host_or_credentials(bundle, resource_files):
    for target in (bundle, *bundle["targets"].values()):
        assert "host" not in (target.get("workspace") or {})
    for path in (BUNDLE, *resource_files):
        text = path.read_text(encoding="utf-8")
        for pattern in SECRETS:
            assert not pattern.search(text), f"{path.name}: looks like a credential"


def test_wheel_artifact_is_built_by_kedro_package(bundle, pyproject):
    (artifact,) = bundle["artifacts"].values()
    assert artifact["type"] == "whl"
    assert artifact["build"] == "kedro package"
    (source,) = [f["source"] for f in artifact["files"]]
    package = pyproject["tool"]["kedro"]["package_name"]
    assert fnmatch(f"dist/{package}-0.1.0-py3-none-any.whl", source)


def test_sync_ships_conf_but_never_conf_local(bundle):
    excluded = bundle["sync"]["exclude"]
    assert "conf/local/**" in excluded
    for needed in ("conf/base/catalog.yml", "conf/prd/globals.yml", "pyproject.toml"):
        assert not any(fnmatch(needed, pattern) for pattern in excluded), needed
    assert any(fnmatch("data/01_raw/events.json", pattern) for pattern in excluded)


# --- tasks ---------------------------------------------------------------------


def test_build_job_chains_freshness_run_data_tests_then_docs(jobs):
    tasks = _tasks(jobs["motors_meetup_build"])
    assert {key: _depends_on(task) for key, task in tasks.items()} == BUILD_CHAIN
    # Default run_if (ALL_SUCCESS): a failed freshness check stops the build.
    assert all("run_if" not in task for task in tasks.values())
    docs = tasks["docs"]["run_job_task"]
    assert docs["job_id"] == "${resources.jobs.motors_meetup_docs.id}"
    assert "motors_meetup_docs" in jobs


def test_full_refresh_job_rebuilds_tests_then_maintains(jobs):
    tasks = _tasks(jobs["motors_meetup_full_refresh"])
    assert {key: _depends_on(task) for key, task in tasks.items()} == {
        "run": [],
        "data_tests": ["run"],
        "maintenance": ["data_tests"],
    }
    maintenance = tasks["maintenance"]["python_wheel_task"]["parameters"]
    assert _option(maintenance, "--pipelines") == ["maintenance"]
    parameters = tasks["run"]["python_wheel_task"]["parameters"]
    assert _option(parameters, "--params") == ["full_refresh=true"]
    parameters_yml = _load(PROJECT_ROOT / "conf" / "base" / "parameters.yml")
    assert parameters_yml["full_refresh"] is False


def test_every_wheel_task_runs_the_packaged_entry_point(jobs, pyproject):
    package = pyproject["tool"]["kedro"]["package_name"]
    scripts = pyproject["project"]["scripts"]
    tasks = list(_wheel_tasks(jobs))
    assert len(tasks) == 6
    for key, job, task in tasks:
        wheel_task = task["python_wheel_task"]
        assert wheel_task["package_name"] == package
        assert scripts[wheel_task["entry_point"]] == f"{package}.__main__:main"
        libraries = [lib["whl"] for lib in task["libraries"] if "whl" in lib]
        wheel = (job["_file"].parent / libraries[0]).resolve()
        assert wheel.relative_to(PROJECT_ROOT).as_posix() == "dist/*.whl", key
        clusters = {c["job_cluster_key"] for c in job["job_clusters"]}
        assert task["job_cluster_key"] in clusters, key


@pytest.mark.parametrize("target", TARGETS)
def test_wheel_tasks_run_the_target_environment(bundle, jobs, target):
    variables = _variables(bundle, target)
    for key, _, task in _wheel_tasks(jobs):
        parameters = task["python_wheel_task"]["parameters"]
        (env,) = _option(parameters, "--env")
        assert _resolve(env, variables) == target, key
        assert (PROJECT_ROOT / "conf" / _resolve(env, variables)).is_dir()
        # CLI >= 0.230 prefixes workspace paths with /Workspace itself.
        assert _option(parameters, "--conf-source") == [CONF_SOURCE], key
        assert len(_option(parameters, "--pipelines")) == 1, key
        # One task at a time on Databricks: threads were measured locally only.
        assert _option(parameters, "--runner") == ["SequentialRunner"], key


def test_every_pipeline_named_by_the_bundle_exists(jobs):
    bootstrap_project(PROJECT_ROOT)
    from motors_meetup.pipeline_registry import register_pipelines  # noqa: PLC0415

    registered = set(register_pipelines())
    named = {
        name
        for _, _, task in _wheel_tasks(jobs)
        for name in _option(task["python_wheel_task"]["parameters"], "--pipelines")
    }
    assert {"freshness", "__default__", "data_tests"} <= named
    unknown = named - registered
    assert not unknown, f"the bundle runs pipelines that do not exist: {unknown}"


# --- schedules and notifications --------------------------------------------------


def _cron(bundle: dict[str, Any], job: dict[str, Any]) -> list[str]:
    schedule = job["schedule"]
    assert schedule["timezone_id"] == "UTC"
    assert schedule["pause_status"] == "UNPAUSED"
    cron = _resolve(schedule["quartz_cron_expression"], _variables(bundle, "prd"))
    fields = cron.split()
    assert len(fields) in (6, 7), cron
    return fields


def test_build_runs_daily_and_full_refresh_weekly(bundle, jobs):
    _, _, _, day_of_month, month, day_of_week = _cron(
        bundle, jobs["motors_meetup_build"]
    )[:6]
    assert (day_of_month, month, day_of_week) == ("*", "*", "?")
    _, _, _, day_of_month, month, day_of_week = _cron(
        bundle, jobs["motors_meetup_full_refresh"]
    )[:6]
    assert (day_of_month, month) == ("?", "*")
    assert day_of_week in {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
    assert "schedule" not in jobs["motors_meetup_docs"]  # triggered by the build


@pytest.mark.parametrize("target", TARGETS)
def test_every_job_notifies_failures_by_email_and_webhook(bundle, jobs, target):
    variables = _variables(bundle, target)
    assert "default" not in bundle["variables"]["failure_webhook_id"]
    assert variables["failure_emails"]
    assert all("@" in address for address in variables["failure_emails"])
    for key, job in jobs.items():
        assert job["email_notifications"]["on_failure"] == "${var.failure_emails}"
        assert job["webhook_notifications"]["on_failure"] == [
            {"id": "${var.failure_webhook_id}"}
        ], key
        assert job["max_concurrent_runs"] == 1, key


# --- docs -------------------------------------------------------------------------


def _viz_build_module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("viz_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_job_runs_the_viz_script_with_the_project_kedro_viz(jobs, pyproject):
    job = jobs["motors_meetup_docs"]
    (task,) = job["tasks"]
    script = job["_file"].parent / task["spark_python_task"]["python_file"]
    assert script.is_file()
    parameters = task["spark_python_task"]["parameters"]
    assert _option(parameters, "--env") == ["${var.environment}"]
    assert _option(parameters, "--project-dir") == ["${workspace.file_path}"]
    pypi = [lib["pypi"]["package"] for lib in task["libraries"] if "pypi" in lib]
    assert pypi == pyproject["project"]["optional-dependencies"]["viz"]
    assert any("whl" in lib for lib in task["libraries"])


def _files_under(folder: Path) -> dict[str, int]:
    return {
        str(path.relative_to(folder)): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_docs_task_script_builds_the_kedro_viz_site(jobs, tmp_path):
    job = jobs["motors_meetup_docs"]
    script = job["_file"].parent / job["tasks"][0]["spark_python_task"]["python_file"]
    module = _viz_build_module(script)
    # The folder the bundle syncs (its project files), which the job must leave as
    # deployed: kedro-viz writes its site to build/ beside pyproject.toml.
    deployed = tmp_path / "deployed"
    deployed.mkdir()
    for name in module.PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, deployed / name, ignore=module.IGNORED)
        else:
            shutil.copyfile(source, deployed / name)
    before = _files_under(deployed)
    output = tmp_path / "site"

    index = module.build_site(deployed, "prd", output)

    assert index == output / "index.html"
    assert index.is_file()
    assert _files_under(deployed) == before
    # The site holds the default pipeline: every task, and the layers in order.
    site = json.loads((output / "api" / "main").read_text(encoding="utf-8"))
    bootstrap_project(PROJECT_ROOT)
    from motors_meetup.pipeline_registry import register_pipelines  # noqa: PLC0415

    tasks = {node["name"] for node in site["nodes"] if node["type"] == "task"}
    assert tasks == {node.name for node in register_pipelines()["__default__"].nodes}
    assert site["layers"] == LAYERS


def test_jobs_fit_the_databricks_job_schema(jobs):
    # Databricks' own job models (PyPI `databricks-bundles`, in the dev extra)
    # reject unknown or misspelt fields, at any depth.
    for key, job in jobs.items():
        definition = {k: v for k, v in job.items() if k != "_file"}
        assert Job.from_dict(definition).name == key


def test_the_job_models_reject_a_misspelt_field(jobs):
    job = next(iter(jobs.values()))
    definition = {k: v for k, v in job.items() if k != "_file"}
    task = {**definition["tasks"][0], "depends_on_tasks": []}
    with pytest.raises(ValueError, match="depends_on_tasks"):
        Job.from_dict({**definition, "tasks": [task]})


def test_job_clusters_run_spark_in_utc(jobs):
    for key, job in jobs.items():
        for cluster in job["job_clusters"]:
            conf = cluster["new_cluster"]["spark_conf"]
            assert conf["spark.sql.session.timeZone"] == "UTC", key
