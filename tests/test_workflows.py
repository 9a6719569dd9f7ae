"""GitHub workflows: pull requests build and test, merges to main deploy the bundle.

The workflows must call the Makefile's targets (the commands developers and
.ci/run use), never a second copy of their logic.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
MAKE_TARGET = re.compile(r"^([A-Za-z][\w-]*):", re.M)
# Commands a workflow may run: Makefile targets and the two CLIs with no target.
ALLOWED_COMMANDS = re.compile(
    r"^(make [\w-]+|kedro package|databricks bundle (validate|deploy) -t prd)$"
)


def _workflow(name: str) -> dict[str, Any]:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def _runs(steps: list[dict[str, Any]]) -> list[str]:
    return [step["run"].strip() for step in steps if "run" in step]


def _uses(steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        step["uses"].split("@")[0]: step.get("with", {})
        for step in steps
        if "uses" in step
    }


def _make_targets() -> set[str]:
    return set(MAKE_TARGET.findall((PROJECT_ROOT / "Makefile").read_text()))


def test_pull_requests_lint_test_run_and_package():
    workflow = _workflow("pr.yml")
    assert "pull_request" in workflow["on"]
    steps = _steps(workflow, "build")
    assert _runs(steps) == [
        "make install",
        "make lint",
        "make test",
        "make run",
        "kedro package",
    ]
    uses = _uses(steps)
    assert uses["actions/setup-python"]["python-version"] == "3.11"
    assert uses["actions/setup-java"]["java-version"] == "17"
    assert "actions/checkout" in uses
    artifact = uses["actions/upload-artifact"]["path"]
    assert "dist/*.whl" in artifact


def test_ci_script_runs_the_same_make_target_as_the_workflow():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in _runs(_steps(_workflow("pr.yml"), "build"))


@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml"])
def test_workflows_only_call_make_targets_that_exist(name):
    workflow = _workflow(name)
    targets = _make_targets()
    for job_name, job in workflow["jobs"].items():
        for command in _runs(job.get("steps", [])):
            assert ALLOWED_COMMANDS.match(command), f"{job_name}: {command!r}"
            if command.startswith("make "):
                assert command.split()[1] in targets, command


def test_merges_to_main_rebuild_then_deploy_the_bundle_to_prd():
    workflow = _workflow("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    # The same build as pull requests: the pr workflow itself, reused.
    assert workflow["jobs"]["build"]["uses"] == "./.github/workflows/pr.yml"
    assert "workflow_call" in _workflow("pr.yml")["on"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    steps = deploy["steps"]
    assert "databricks/setup-cli" in _uses(steps)
    assert _runs(steps)[-1] == "databricks bundle deploy -t prd"


def test_deploy_credentials_come_from_github_secrets():
    deploy = _workflow("deploy.yml")["jobs"]["deploy"]
    assert deploy["env"]["DATABRICKS_HOST"] == "${{ secrets.DATABRICKS_HOST }}"
    assert deploy["env"]["DATABRICKS_TOKEN"] == "${{ secrets.DATABRICKS_TOKEN }}"
    for name in ("pr.yml", "deploy.yml"):
        text = (WORKFLOWS / name).read_text()
        assert not re.search(r"dapi[0-9a-f]{32}", text)
        assert not re.search(
            r"https://[\w.-]+\.(cloud\.databricks\.com|azuredatabricks\.net)", text
        )
