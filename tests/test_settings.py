"""Project settings: a run starts without warnings about the project's own set-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# In a fresh interpreter: Kedro warns about dotted dataset names once per process,
# and an earlier test may have used that once already.
STARTUP = """
import json, warnings
from pathlib import Path
from kedro.framework.startup import bootstrap_project

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    metadata = bootstrap_project(Path({root!r}))  # imports settings.py
    from kedro.framework.project import pipelines, settings
    loader = settings.CONFIG_LOADER_CLASS(
        conf_source=str(metadata.project_path / settings.CONF_SOURCE),
        **settings.CONFIG_LOADER_ARGS,
    )
    config = (loader["catalog"], loader["parameters"], loader["spark"])
    names = sorted(pipelines)
print(json.dumps({{
    "pipelines": names,
    "warnings": [f"{{w.category.__name__}}: {{w.message}}" for w in caught
                 if issubclass(w.category, UserWarning)],
}}))
"""


def test_loading_config_and_pipelines_warns_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-c", STARTUP.format(root=str(PROJECT_ROOT))],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"},
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # Every pipeline was built (the dotted names are in all of them) ...
    assert {"__default__", "raw", "marts", "freshness"} <= set(report["pipelines"])
    # ... and neither Kedro's dotted-name warning nor omegaconf's deprecation of
    # the resolver registration Kedro 1.7 uses reached the terminal.
    assert report["warnings"] == []
