"""Entry point of the packaged project (``python -m motors_meetup`` / the wheel).

Databricks ``python_wheel_task`` calls ``main`` with kedro-run arguments such as
``--env prd --conf-source <dir> --pipeline __default__``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kedro.framework.cli.utils import find_run_command
from kedro.framework.project import configure_project


def main(*args: str, **kwargs: object) -> object:
    """Run the project's ``kedro run`` command with the given CLI arguments."""
    package_name = Path(__file__).parent.name
    configure_project(package_name)
    interactive = hasattr(sys, "ps1")
    kwargs["standalone_mode"] = not interactive
    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    main()
