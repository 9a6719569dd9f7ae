"""The raw, staging and intermediate contracts bite, and document every column.

Hand-made rows are checked with :func:`motors_meetup.contracts.check_table`, the
function the Kedro hook calls before a table is written; the asserted findings and
messages are the exact ones a broken run prints.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandera.pyspark as pa
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from motors_meetup.contracts import ContractViolation, all_contracts, check_table
from motors_meetup.incremental import stamp
from motors_meetup.pipelines.raw import nodes as raw_nodes
from motors_meetup.pipelines.raw.nodes import RESPONSES
from motors_meetup.pipelines.raw.schemas import (
    EVENT_REJECTION_REASONS,
    GROUP_REJECTION_REASONS,
    USER_REJECTION_REASONS,
    VENUE_REJECTION_REASONS,
    EventsRejected,
    GroupsRejected,
    RawEvents,
    RawGroups,
)
from motors_meetup.pipelines.staging.schemas import (
    CLEAN_TEXT_PATTERN,
    StgEventRsvps,
    StgGroups,
)

LAYERS = ("raw", "staging", "intermediate")
TABLES = {
    "raw": {
        "raw_events",
        "raw_groups",
        "raw_users",
        "raw_venues",
        "events_rejected",
        "groups_rejected",
        "users_rejected",
        "venues_rejected",
        "raw_load_report",
    },
    "staging": {
        "stg_events",
        "stg_event_rsvps",
        "stg_groups",
        "stg_group_topics",
        "stg_users",
        "stg_memberships",
        "stg_venues",
    },
    "intermediate": {
        "int_events_with_venues",
        "int_event_rsvps",
        "int_user_memberships_with_groups",
    },
}
LAYER_CONTRACTS = sorted(
    name for name in all_contracts() if name.split(".", 1)[0] in LAYERS
)

EVENT_ID = "380d4485b8c3b9e870149d1bbf154e64"  # DESIGN §4 worked example
ANSWERED_AT = datetime(2017, 3, 1, 12, 0)
CREATED_AT = datetime(2017, 2, 25, 5, 20)
BATCH = 1
RAW_PARAMS: dict[str, Any] = {
    "on_bad_record": "quarantine",
    "min_epoch_ms": 100_000_000_000,
}
CREATED_MS = 1_488_000_000_000  # 2017-02-25 05:20:00 UTC


def sk(*values: str) -> str:
    """dbt_utils.generate_surrogate_key of non-null text values."""
    return hashlib.md5("-".join(values).encode()).hexdigest()


def frame(
    spark: SparkSession, model: type[pa.DataFrameModel], rows: list[tuple]
) -> DataFrame:
    """``rows`` typed with the model's own Spark schema (every column nullable)."""
    return spark.createDataFrame(rows, model.to_structtype())


def rsvp(user_id: str, response: str = "yes") -> tuple:
    """A stg_event_rsvps row of the worked-example event."""
    return (
        EVENT_ID,
        EVENT_ID,
        user_id,
        response,
        ANSWERED_AT,
        1,
        sk(EVENT_ID, user_id),
        CREATED_AT,
        BATCH,
    )


def as_text(row: tuple, model: type[pa.DataFrameModel]) -> str:
    """A row as ContractViolation renders a failing row."""
    return str(dict(zip(model.to_schema().columns, row, strict=True)))


# ---- contracts bite --------------------------------------------------------------


def test_a_valid_rsvp_row_meets_the_stg_event_rsvps_contract(
    spark: SparkSession,
) -> None:
    data = frame(spark, StgEventRsvps, [rsvp("42")])

    check_table("staging.stg_event_rsvps", data, StgEventRsvps)


def test_a_duplicated_user_event_key_is_reported_with_the_key(
    spark: SparkSession,
) -> None:
    key = sk(EVENT_ID, "42")
    data = frame(spark, StgEventRsvps, [rsvp("42"), rsvp("42")])

    with pytest.raises(ContractViolation) as caught:
        check_table("staging.stg_event_rsvps", data, StgEventRsvps)

    violation = caught.value
    assert violation.table == "staging.stg_event_rsvps"
    assert [(f.column, f.check, f.sample) for f in violation.findings] == [
        ("stg_event_rsvps", "unique", (f"{{'user_event_key': '{key}', 'count': 2}}",))
    ]
    assert str(violation) == (
        "Table 'staging.stg_event_rsvps' breaks its contract (1 failed checks); "
        "it was not written:\n"
        "  - column 'stg_event_rsvps', check unique: Duplicated rows [1] were found "
        "for columns ['user_event_key']\n"
        f"      e.g. {{'user_event_key': '{key}', 'count': 2}}"
    )


def test_a_null_group_id_breaks_the_not_nullable_rule_of_stg_groups(
    spark: SparkSession,
) -> None:
    row = (
        None,
        "Motors",
        "Detroit",
        42.33,
        -83.05,
        CREATED_AT,
        "Cars",
        "https://meetup.com/motors",
        BATCH,
    )
    data = frame(spark, StgGroups, [row])

    with pytest.raises(ContractViolation) as caught:
        check_table("staging.stg_groups", data, StgGroups)

    assert [(f.column, f.check, f.sample) for f in caught.value.findings] == [
        ("group_id", "not_nullable", (as_text(row, StgGroups),))
    ]
    assert "column 'group_id', check not_nullable" in str(caught.value)


def test_an_unknown_response_names_the_isin_check_and_the_failing_row(
    spark: SparkSession,
) -> None:
    maybe = rsvp("43", response="maybe")
    data = frame(spark, StgEventRsvps, [rsvp("42"), maybe])

    with pytest.raises(ContractViolation) as caught:
        check_table("staging.stg_event_rsvps", data, StgEventRsvps)

    check = f"isin({RESPONSES!r})"
    assert check == "isin(('yes', 'no', 'waitlist'))"
    assert [(f.column, f.check, f.sample) for f in caught.value.findings] == [
        ("rsvp_response", check, (as_text(maybe, StgEventRsvps),))
    ]
    assert "'rsvp_response': 'maybe'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Spark Meetup", True),
        ("Hi & welcome\n<b>bold</b> is text", True),
        ("中文 テキスト", True),
        ("", False),
        (" leading space", False),
        ("trailing space ", False),
        ("two  spaces", False),
        ("tab\tinside", False),
        ("nbsp\u00a0inside", False),
        ("line\u2028separator", False),
        ("zero\u200bwidth", False),
        ("empty\n\nparagraph", False),
        ("final line feed\n", False),
        ("crlf\r\nbreak", False),
    ],
)
def test_a_clean_description_is_trimmed_collapsed_paragraphs(
    spark: SparkSession, text: str, clean: bool
) -> None:
    data = spark.createDataFrame([(text,)], "text string")

    matches = data.select(F.col("text").rlike(CLEAN_TEXT_PATTERN)).first()[0]

    assert matches is clean


# ---- the raw contracts accept what the raw nodes make of bad input ---------------


def records(spark: SparkSession, lines: list[str]) -> DataFrame:
    """Source records as ``JsonSourceDataset`` yields them, from one file."""
    modified = datetime(2017, 6, 1)
    return spark.createDataFrame(
        [("/drop/batch_0001.json", "0" * 32, modified, line) for line in lines],
        "source_file string, delivery_id string, file_modified_at timestamp, "
        "record string",
    )


def batch(spark: SparkSession) -> DataFrame:
    """The run batch the raw increments stamp on every row."""
    return spark.createDataFrame(
        [(BATCH, False)], "batch_id long, full_refresh boolean"
    )


def test_bad_event_records_are_rejected_rows_that_meet_their_contract(
    spark: SparkSession, tmp_path: Path
) -> None:
    answer = {"user_id": 42, "response": "yes", "when": CREATED_MS, "guests": 0}
    event = {"group_id": 1, "created": CREATED_MS}
    lines = [
        json.dumps({**event, "name": "Spark", "status": "past", "rsvps": [answer]}),
        "{not json",
        json.dumps({"group_id": 1, "created": "yesterday"}),
        json.dumps({"name": "no group", "created": CREATED_MS}),
        json.dumps({**event, "duration": -1}),
        json.dumps({**event, "status": "postponed"}),
        json.dumps({**event, "rsvps": [{**answer, "response": "maybe"}]}),
        json.dumps({**event, "rsvps": [{**answer, "guests": -2}]}),
    ]
    accepted, rejected = raw_nodes.raw_events(records(spark, lines), RAW_PARAMS)
    # Cached, as the hook does: every check of a contract is a Spark action.
    accepted = stamp(accepted, batch(spark)).cache()
    rejected = stamp(rejected, batch(spark)).cache()

    check_table("raw.raw_events", accepted, RawEvents)
    check_table("raw.events_rejected", rejected, EventsRejected)
    assert accepted.count() == 1
    # The node builds rsvps with containsNull=false, Delta stores it as true: the
    # data tests check the stored table, so the contract must accept both.
    accepted.write.format("delta").save(str(tmp_path / "raw_events"))
    stored = spark.read.format("delta").load(str(tmp_path / "raw_events"))
    assert accepted.schema["rsvps"].dataType.containsNull is False
    assert stored.schema["rsvps"].dataType.containsNull is True
    check_table("raw.raw_events", stored, RawEvents)
    assert Counter(row.reason for row in rejected.collect()) == Counter(
        {
            "malformed_json": 1,
            "type_mismatch": 1,
            "null_group_id": 1,
            "negative_duration": 1,
            "unknown_status": 1,
            "unknown_response": 1,
            "negative_guests": 1,
        }
    )


def test_duplicate_and_out_of_range_groups_meet_the_rejected_contract(
    spark: SparkSession,
) -> None:
    def group(group_id: int, name: str, lat: float = 42.33) -> str:
        return json.dumps(
            {
                "group_id": group_id,
                "name": name,
                "lat": lat,
                "lon": -83.05,
                "created": CREATED_MS,
                "topics": ["cars"],
            }
        )

    lines = [
        group(10, "Motors"),
        group(10, "Motors"),  # an identical copy
        group(11, "Drivers"),
        group(11, "Drivers renamed"),  # a conflicting copy: one of the two loses
        group(12, "Pole", lat=91.0),
    ]
    accepted, rejected = raw_nodes.raw_groups(records(spark, lines), RAW_PARAMS)
    # Cached, as the hook does: every check of a contract is a Spark action.
    accepted = stamp(accepted, batch(spark)).cache()
    rejected = stamp(rejected, batch(spark)).cache()

    check_table("raw.raw_groups", accepted, RawGroups)
    check_table("raw.groups_rejected", rejected, GroupsRejected)
    assert Counter(row.reason for row in rejected.collect()) == Counter(
        {"identical_duplicate": 1, "duplicate_key": 1, "lat_out_of_range": 1}
    )


def test_rejection_reasons_are_exactly_those_the_raw_rules_name() -> None:
    tree = ast.parse(inspect.getsource(raw_nodes))
    # A rule is a ("reason", predicate) tuple; duplicates are named in _dedupe.
    named = {
        node.elts[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and isinstance(node.elts[0], ast.Constant)
        and isinstance(node.elts[0].value, str)
        and not isinstance(node.elts[1], ast.Constant)
    }
    named |= {"identical_duplicate", "duplicate_key"}
    declared = {
        *EVENT_REJECTION_REASONS,
        *GROUP_REJECTION_REASONS,
        *USER_REJECTION_REASONS,
        *VENUE_REJECTION_REASONS,
    }

    assert declared == named
    assert inspect.getsource(raw_nodes._dedupe).count('"duplicate_key"') == 1
    assert inspect.getsource(raw_nodes._dedupe).count('"identical_duplicate"') == 1


# ---- every contract is complete and documented -----------------------------------


def test_every_table_of_the_three_layers_has_a_contract() -> None:
    found: dict[str, set[str]] = {layer: set() for layer in LAYERS}
    for name in LAYER_CONTRACTS:
        layer, table = name.split(".", 1)
        found[layer].add(table)

    assert found == TABLES


@pytest.mark.parametrize("dataset", LAYER_CONTRACTS)
def test_every_column_is_described_and_grain_key_and_relationships_are_declared(
    dataset: str,
) -> None:
    model = all_contracts()[dataset]
    schema = model.to_schema()
    config = model.__config__
    metadata = config.metadata or {}
    key = metadata.get("key")

    assert config.strict is True
    assert config.name == schema.name == dataset.split(".", 1)[1]
    assert schema.description and len(schema.description) > 30
    undescribed = [
        name
        for name, column in schema.columns.items()
        if not column.description or len(column.description) < 10
    ]
    assert undescribed == []
    assert isinstance(metadata.get("grain"), str) and metadata["grain"]
    assert isinstance(key, list)
    assert key == list(config.unique or [])
    assert all(not schema.columns[column].nullable for column in key)
    relationships = metadata.get("relationships")
    assert isinstance(relationships, dict)
    for column, target in relationships.items():
        layer, table, target_column = target.split(".")
        assert column in schema.columns
        assert target_column in all_contracts()[f"{layer}.{table}"].to_schema().columns
