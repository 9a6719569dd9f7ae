"""Build stamps: what decides a rebuilt table, digested (``motors_meetup.rebuilds``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyspark
import pytest
from kedro.pipeline import Node

import motors_meetup
from motors_meetup import rebuilds
from motors_meetup.rebuilds import (
    build_stamp,
    code_digest,
    commit_metadata,
    data_state_of,
    input_states,
    merge_states,
    sources_digest,
    stamp_of,
)

SETTINGS = {"contracts": {"enabled": True, "depth": "SCHEMA_AND_DATA"}}


class Table:
    """A stored table in a fixed state."""

    def __init__(self, state: str | None) -> None:
        self._state = state

    def state(self) -> str | None:
        return self._state


def _mart(users: object, memberships: object, as_of_date: object) -> object:
    return users


NODE = Node(
    _mart,
    ["staging.stg_users", "intermediate.memberships", "params:as_of_date"],
    "marts.dim_users",
    name="dim_users",
)
PARAMS = {"params:as_of_date": "2018-06-30"}


def test_input_states_are_the_tables_states_without_the_parameters() -> None:
    tables = {
        "staging.stg_users": Table("3@1700000000000"),
        "intermediate.memberships": Table(None),
    }
    assert input_states(NODE, tables) == {
        "staging.stg_users": "3@1700000000000",
        "intermediate.memberships": None,
    }


def test_an_input_that_is_no_stored_table_cannot_be_stamped() -> None:
    assert input_states(NODE, {"staging.stg_users": Table("3@1")}) is None


def test_the_stamp_changes_with_a_table_state_or_a_parameter_only() -> None:
    versions = {"staging.stg_users": "3@1", "intermediate.memberships": "7@2"}
    stamp = build_stamp(NODE, versions, PARAMS, SETTINGS)

    assert build_stamp(NODE, dict(versions), dict(PARAMS), SETTINGS) == stamp
    newer = {**versions, "intermediate.memberships": "8@3"}
    assert build_stamp(NODE, newer, PARAMS, SETTINGS) != stamp
    created_again = {**versions, "intermediate.memberships": "7@4"}
    assert build_stamp(NODE, created_again, PARAMS, SETTINGS) != stamp
    later = {"params:as_of_date": "2018-07-01"}
    assert build_stamp(NODE, versions, later, SETTINGS) != stamp
    unchecked = {"contracts": {"enabled": False, "depth": "SCHEMA_AND_DATA"}}
    assert build_stamp(NODE, versions, PARAMS, unchecked) != stamp
    renamed = Node(_mart, list(NODE.inputs), "marts.other", name="other")
    assert build_stamp(renamed, versions, PARAMS, SETTINGS) != stamp


def test_the_code_digest_is_that_of_the_package_sources() -> None:
    package = Path(motors_meetup.__file__).resolve().parent
    assert code_digest() == sources_digest(package)


def test_the_sources_digest_changes_with_a_python_file_only(tmp_path: Path) -> None:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "pipelines" / "b.py").write_text("y = 2\n")
    # The md5 of each file's relative path then its bytes, in path order.
    expected = hashlib.md5(b"a.pyx = 1\npipelines/b.pyy = 2\n").hexdigest()
    assert sources_digest(tmp_path) == expected

    (tmp_path / "notes.txt").write_text("not code")
    assert sources_digest(tmp_path) == expected
    (tmp_path / "a.py").write_text("x = 2\n")
    edited = sources_digest(tmp_path)
    assert edited != expected
    (tmp_path / "pipelines" / "b.py").rename(tmp_path / "pipelines" / "c.py")
    assert sources_digest(tmp_path) != edited


def test_a_code_change_changes_the_stamp(monkeypatch: pytest.MonkeyPatch) -> None:
    versions = {"staging.stg_users": "3@1", "intermediate.memberships": "7@2"}
    stamp = build_stamp(NODE, versions, PARAMS, SETTINGS)
    monkeypatch.setattr(rebuilds, "code_digest", lambda: "0" * 32)
    assert build_stamp(NODE, versions, PARAMS, SETTINGS) != stamp


def test_the_stamp_is_read_back_from_the_commit_metadata() -> None:
    text = commit_metadata("abc", {"staging.stg_users": "3@1"})
    assert text == '{"build_stamp": "abc", "built_from": {"staging.stg_users": "3@1"}}'
    assert stamp_of(text) == "abc"
    assert stamp_of(None) is None
    assert stamp_of("written by hand") is None
    assert stamp_of('["a list"]') is None
    # A commit without data names the state of the rows it left as they were.
    carried = commit_metadata("abc", {}, "4@1700")
    assert (stamp_of(carried), data_state_of(carried)) == ("abc", "4@1700")
    assert (data_state_of(text), data_state_of(None)) == (None, None)


def test_another_spark_version_changes_the_stamp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = {"staging.stg_users": "3@1", "intermediate.memberships": "7@2"}
    stamp = build_stamp(NODE, versions, PARAMS, SETTINGS)
    monkeypatch.setattr(pyspark, "__version__", "9.9.9")
    assert build_stamp(NODE, versions, PARAMS, SETTINGS) != stamp


def test_a_merged_table_s_states_leave_out_the_run_batch() -> None:
    states = {"audit.run_batch": "7@1700", "staging.stg_users": "3@1600"}
    assert merge_states(states) == {"staging.stg_users": "3@1600"}
