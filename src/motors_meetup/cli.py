"""The project's ``kedro run``: Kedro's own command, with threads by default.

Kedro runs a project's ``run`` from its ``cli.py`` when there is one (``kedro run``
and the packaged entry point ``motors-meetup`` alike). This one is Kedro's command
unchanged but for the default of ``--runner``: :data:`DEFAULT_RUNNER`, which runs
independent tasks side by side (as many as the machine has cores). Most of a
task's time is the Spark driver planning, reading Delta logs and committing, on
one core, so a second task keeps the other core busy: on the 2-core benchmark
machine a 1% incremental run at 1M RSVPs took 225.5 and 231.5 s with threads
against 260.2-272.6 s one task at a time, with the same rows in every table
(docs/incremental.md, "Session 18"). ``kedro run --runner SequentialRunner``
runs one task at a time, as Kedro does by default.
"""

from __future__ import annotations

import copy

import click
from kedro.framework.cli.project import run as kedro_run

DEFAULT_RUNNER = "ThreadRunner"


def with_default_runner(command: click.Command, runner: str) -> click.Command:
    """A copy of ``command`` whose ``--runner`` option defaults to ``runner``."""
    changed = copy.copy(command)
    changed.params = [copy.copy(param) for param in command.params]
    options = [param for param in changed.params if param.name == "runner"]
    if len(options) != 1:
        raise RuntimeError(
            f"Kedro's run command has no single --runner option: {options}"
        )
    option = options[0]
    option.default = runner
    if isinstance(option, click.Option):
        option.help = (
            f"Runner class, by name or import path (default: {runner}; "
            "SequentialRunner runs one task at a time)."
        )
        option.show_default = False
    return changed


@click.group(name="motors_meetup")
def cli() -> None:
    """Project commands (Kedro's, with this project's defaults)."""


run = with_default_runner(kedro_run, DEFAULT_RUNNER)
cli.add_command(run, "run")
