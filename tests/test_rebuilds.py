"""Build stamps: what decides a rebuilt table, digested (``motors_meetup.rebuilds``)."""

from __future__ import annotations

import pyspark
import pytest
from kedro.pipeline import Node

from motors_meetup.rebuilds import (
    build_stamp,
    code_digest,
    commit_metadata,
    data_state_of,
    input_states,
    merge_states,
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


def test_the_code_digest_is_an_md5_of_the_package_sources() -> None:
    digest = code_digest()
    assert len(digest) == 32
    assert int(digest, 16) >= 0
    assert code_digest() == digest


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
