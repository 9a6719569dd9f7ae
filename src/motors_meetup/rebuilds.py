"""Tables are not rewritten when nothing they are built from has changed.

A rebuilt table (``write_mode: overwrite``, ``rebuild: on_input_change`` in the
catalog) is a pure function of its node's inputs. Its *build stamp* digests
everything that decides its contents:

* the state of every input table: its newest commit's version and time (every
  commit makes a new one, so a batch that MERGEd a row into an input, or a
  maintenance OPTIMIZE, changes it; the time tells a table dropped and created
  again, whose versions restart at 0, from the one before);
* the value of every parameter the node takes (``as_of_date``, thresholds...);
* the project's code (every ``.py`` file of this package), the Spark version, and
  the run's settings that shape a table (contract switches, Spark options);
* the output table's own storage settings (added by the dataset).

The stamp is stored with each write, as the Delta commit's ``userMetadata``; when
the next run computes the same stamp, the table is left as it is: no contract check,
no write, no commit. A run without new input therefore leaves every table as it
was, and a table changed by anything else (a later commit without our stamp) is
written again. A node whose inputs cannot be stamped (an input that is no stored
table and no parameter) always writes, and a full refresh rewrites every table.

A merged table (``write_mode: merge``) gets a stamp too, without the state of the
run's batch (``audit.run_batch``, rewritten by every run). Its node MERGEs the rows
of its inputs that carry the run's batch id. If no input table got a commit since
the table's last write, those rows are either none (every input row was written by
an earlier batch: batch ids only grow) or the very rows that write merged already
(the same batch run again after a crash), and merging them again changes nothing.
So the same stamp keeps a merged table too, and its node computes no increment.

A merged table whose increment is empty (a code change, or an input commit that
brought none of its rows) has no rows to write, but still gets a commit without
data: an empty append whose metadata holds the new stamp and the state of the data
it leaves as it was (``data_state``). The next run with the same stamp keeps the
table instead of computing the empty increment again, and the tables built from it
see that state, so they do not take the commit for a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import pyspark
from kedro.pipeline import Node

from motors_meetup.incremental import BATCH_DATASET

STAMP_KEY = "build_stamp"
INPUTS_KEY = "built_from"
DATA_STATE_KEY = "data_state"


class StoredTable(Protocol):
    """A stored table that reports its state: ``<version>@<commit time>`` of its
    newest commit (None: not built yet)."""

    def state(self) -> str | None: ...


@cache
def code_digest() -> str:
    """md5 of this package's Python sources (:func:`sources_digest`), read once a
    process.

    Any code change rebuilds every table once: stricter than tracking which
    function a node calls, and never wrong.
    """
    return sources_digest(Path(__file__).resolve().parent)


def sources_digest(root: Path) -> str:
    """md5 (hex) of the ``.py`` files under ``root``: each one's path relative to
    ``root`` and its bytes, in path order."""
    digest = hashlib.md5(usedforsecurity=False)
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def input_states(
    node: Node, tables: Mapping[str, StoredTable | None]
) -> dict[str, str | None] | None:
    """The state of each of ``node``'s input tables; None when an input is neither
    a stored table (``tables``) nor a parameter, so it cannot be stamped."""
    states: dict[str, str | None] = {}
    for name in node.inputs:
        if _is_parameter(name):
            continue
        table = tables.get(name)
        if table is None:
            return None
        states[name] = table.state()
    return states


def merge_states(states: Mapping[str, str | None]) -> dict[str, str | None]:
    """The input states that decide a merged table: all but the run's batch (see
    the module docstring)."""
    return {name: state for name, state in states.items() if name != BATCH_DATASET}


def build_stamp(
    node: Node,
    states: Mapping[str, str | None],
    inputs: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> str:
    """The digest of what decides ``node``'s outputs (see the module docstring)."""
    parameters = {name: inputs.get(name) for name in node.inputs if _is_parameter(name)}
    facts = {
        "node": node.name,
        "code": code_digest(),
        "spark_version": pyspark.__version__,
        "settings": settings,
        "tables": dict(states),
        "parameters": parameters,
    }
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def commit_metadata(
    stamp: str, states: Mapping[str, str | None], data_state: str | None = None
) -> str:
    """The commit's ``userMetadata``: the stamp, and the input states it covers
    (readable in ``DESCRIBE HISTORY``); for a commit without data, also the state
    of the data it leaves as it was."""
    found: dict[str, Any] = {STAMP_KEY: stamp, INPUTS_KEY: dict(states)}
    if data_state is not None:
        found[DATA_STATE_KEY] = data_state
    return json.dumps(found, sort_keys=True)


def stamp_of(user_metadata: str | None) -> str | None:
    """The build stamp in a commit's ``userMetadata``; None if it has none."""
    return _metadata_value(user_metadata, STAMP_KEY)


def data_state_of(user_metadata: str | None) -> str | None:
    """The data state a commit without data carried forward; None for any other
    commit (its own version and time are then the table's state)."""
    return _metadata_value(user_metadata, DATA_STATE_KEY)


def _metadata_value(user_metadata: str | None, key: str) -> str | None:
    if not user_metadata:
        return None
    try:
        found = json.loads(user_metadata)
    except json.JSONDecodeError:
        return None
    return found.get(key) if isinstance(found, dict) else None


def _is_parameter(name: str) -> bool:
    return name == "parameters" or name.startswith("params:")
