"""The project's ``kedro run``: Kedro's command, with ThreadRunner as the default."""

from __future__ import annotations

import click
from click.testing import CliRunner
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.cli.utils import find_run_command

from motors_meetup import cli


def _runner_option(command: click.Command) -> click.Parameter:
    (option,) = [param for param in command.params if param.name == "runner"]
    return option


def test_kedro_run_and_the_wheel_use_the_project_run_command() -> None:
    assert find_run_command("motors_meetup") is cli.run
    assert cli.cli.commands["run"] is cli.run


def test_run_defaults_to_threads_and_keeps_every_kedro_option() -> None:
    assert _runner_option(cli.run).default == "ThreadRunner" == cli.DEFAULT_RUNNER
    assert [p.name for p in cli.run.params] == [p.name for p in kedro_run.params]
    assert cli.run.callback is kedro_run.callback
    # Kedro's own command is copied, not changed.
    assert _runner_option(kedro_run).default is None


def test_help_names_the_default_and_the_sequential_runner() -> None:
    result = CliRunner().invoke(cli.run, ["--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # help lines are wrapped
    assert "(default: ThreadRunner; SequentialRunner runs one task at a time)" in text


def test_a_command_without_a_runner_option_is_refused() -> None:
    @click.command()
    def other() -> None:
        """No --runner here."""

    try:
        cli.with_default_runner(other, "ThreadRunner")
    except RuntimeError as error:
        assert "--runner" in str(error)
    else:
        raise AssertionError("a command without --runner was accepted")
