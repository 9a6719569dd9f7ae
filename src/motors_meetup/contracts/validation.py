"""Validating a DataFrame against its pandera contract, with readable failures."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandera.pyspark as pa
from pandera.config import ValidationDepth, config_context
from pandera.engines.pyspark_engine import Engine
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from motors_meetup.plans import nothing_to_write

SAMPLE_ROWS = 3
DEPTHS = {depth.name: depth for depth in ValidationDepth}


@dataclass(frozen=True)
class Finding:
    """One failed check of a contract."""

    table: str
    column: str
    check: str
    message: str
    sample: tuple[str, ...] = ()

    def render(self) -> str:
        """The finding as indented terminal lines."""
        lines = [f"  - column {self.column!r}, check {self.check}: {self.message}"]
        lines += [f"      e.g. {row}" for row in self.sample]
        return "\n".join(lines)


class ContractViolation(Exception):
    """A table broke its contract; the table was not written."""

    def __init__(self, table: str, found: list[Finding]) -> None:
        self.table = table
        self.findings = found
        body = "\n".join(finding.render() for finding in found)
        super().__init__(
            f"Table {table!r} breaks its contract ({len(found)} failed checks); "
            f"it was not written:\n{body}"
        )


def findings(
    table: str,
    data: DataFrame,
    model: type[pa.DataFrameModel],
    depth: str = "SCHEMA_AND_DATA",
) -> list[Finding]:
    """The failed checks of ``data`` against ``model`` (empty when it passes).

    The one-pass aggregation decides first. When it finds failures, pandera
    validates only the columns and checks that failed (one Spark job per check, so
    a table with 40 checks and one failure costs a few jobs, not 40) and reports
    them in its own words; should pandera pass that narrowed contract, it validates
    the whole contract, so pandera stays the authority on what fails.
    """
    if depth not in DEPTHS:
        raise ValueError(f"Validation depth {depth!r} is not one of {sorted(DEPTHS)}")
    outcome = _one_pass(data, model, depth)
    if outcome is not None and outcome.passed:
        return []
    schema = model.to_schema()
    errors = []
    if outcome is not None:
        errors = _pandera_reports(outcome.narrowed(schema), data, depth)
    if not errors:
        errors = _pandera_reports(schema, data, depth)
    result = []
    for report in errors:
        column, check = str(report["column"]), str(report["check"])
        sample = _failing_rows(data, schema, column, check)
        result.append(Finding(table, column, check, str(report["error"]), sample))
    return result


def _pandera_reports(
    schema: pa.DataFrameSchema, data: DataFrame, depth: str
) -> list[dict]:
    """pandera's error reports of ``data`` against ``schema``, in its order."""
    with config_context(validation_depth=DEPTHS[depth]):
        validated = schema.validate(check_obj=data)
    errors = dict(validated.pandera.errors or {})
    return [
        report
        for scope in errors.values()
        for reports in scope.values()
        for report in reports
    ]


@dataclass(frozen=True)
class OnePass:
    """What the one-pass aggregation found: the failed checks per column
    (``not_nullable`` or a check name) and whether the key is duplicated."""

    failed: dict[str, tuple[str, ...]]
    duplicated: bool

    @property
    def passed(self) -> bool:
        """True when no check failed."""
        return not self.failed and not self.duplicated

    def narrowed(self, schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
        """``schema`` with only the failed columns, each with only its failed
        checks, and the key only when it is duplicated (columns and types were
        found to match already)."""
        narrowed = schema.select_columns(list(self.failed))
        for name, checks in self.failed.items():
            column = narrowed.columns[name]
            narrowed = narrowed.update_column(
                name,
                checks=[c for c in column.checks if c.name in checks],
                nullable=column.nullable or "not_nullable" not in checks,
            )
        narrowed.strict = False
        narrowed.unique = schema.unique if self.duplicated else None
        return narrowed


def passes_in_one_pass(
    data: DataFrame, model: type[pa.DataFrameModel], depth: str = "SCHEMA_AND_DATA"
) -> bool:
    """True when ``data`` certainly meets ``model``, decided in one Spark job."""
    outcome = _one_pass(data, model, depth)
    return outcome is not None and outcome.passed


def _one_pass(
    data: DataFrame, model: type[pa.DataFrameModel], depth: str
) -> OnePass | None:
    """The contract's checks evaluated in one Spark job; None when this cannot
    decide (the columns or types differ, or a check it cannot express).

    pandera runs one Spark job per check (a table with 20 checks costs 20 jobs). The
    same declared checks — types, nullability, key uniqueness, and the built-in
    value checks — are evaluated here as one aggregation.
    """
    schema = model.to_schema()
    if not _structure_matches(data, schema):
        return None
    violations: list[tuple[str, str, Column]] = []
    for name, column in schema.columns.items():
        value = F.col(name)
        if not column.nullable:
            violations.append((name, "not_nullable", value.isNull()))
        if depth == "SCHEMA_ONLY":
            continue
        for check in column.checks:
            failing = _check_predicate(value, check.name, check.statistics)
            if failing is None:
                return None
            violations.append((name, check.name, value.isNotNull() & failing))
    measures = [F.count_if(v) for _, _, v in violations]
    keys = unique_keys(schema) if depth != "SCHEMA_ONLY" else []
    if keys:
        measures += [F.count(F.lit(1)), F.count_distinct(F.struct(*keys))]
    if not measures or nothing_to_write(data):
        # No rows (known from the plan): nothing null, nothing out of range, no
        # duplicate key.
        return OnePass({}, duplicated=False)
    row = data.agg(*measures).first()
    counts = list(row) if row is not None else [0] * len(measures)
    failed: dict[str, tuple[str, ...]] = {}
    for (name, check, _), count in zip(violations, counts, strict=False):
        if count:
            failed[name] = (*failed.get(name, ()), check)
    duplicated = bool(keys) and counts[-2] != counts[-1]
    return OnePass(failed, duplicated)


def _structure_matches(data: DataFrame, schema: pa.DataFrameSchema) -> bool:
    declared = set(schema.columns)
    present = set(data.columns)
    if declared - present or (schema.strict is True and present - declared):
        return False
    for name, column in schema.columns.items():
        if column.dtype is None:
            continue
        if column.dtype.check(Engine.dtype(data.schema[name].dataType)) is not True:
            return False
    return True


def check_table(
    table: str,
    data: DataFrame,
    model: type[pa.DataFrameModel],
    depth: str = "SCHEMA_AND_DATA",
) -> None:
    """Raise :class:`ContractViolation` unless ``data`` meets ``model``."""
    found = findings(table, data, model, depth)
    if found:
        raise ContractViolation(table, found)


def check_structure(
    table: str, data: DataFrame, model: type[pa.DataFrameModel]
) -> None:
    """Raise :class:`ContractViolation` unless ``data`` has ``model``'s columns and
    types. Runs no Spark job when it does: for a view of a table whose rows were
    checked when it was written.
    """
    if _structure_matches(data, model.to_schema()):
        return
    check_table(table, data, model, "SCHEMA_ONLY")  # pandera names what differs
    declared = ", ".join(model.to_schema().columns)
    raise ContractViolation(
        table,
        [Finding(table, "*", "structure", f"columns are not ({declared})")],
    )


def _failing_rows(
    data: DataFrame, schema: pa.DataFrameSchema, column: str, check: str
) -> tuple[str, ...]:
    """A few rows showing a failed check, where the check can be expressed in Spark."""
    if check == "unique":
        keys = unique_keys(schema)
        duplicated = data.groupBy(*keys).count().where("count > 1")
        return _render(duplicated.limit(SAMPLE_ROWS))
    if column not in data.columns:
        return ()
    predicate = violation(schema, column, check)
    if predicate is None:
        return ()
    return _render(data.where(predicate).limit(SAMPLE_ROWS))


def unique_keys(schema: pa.DataFrameSchema) -> list[str]:
    """The columns of the schema's ``unique`` setting, as a list (empty when none)."""
    unique = schema.unique
    return [unique] if isinstance(unique, str) else list(unique or [])


def violation(schema: pa.DataFrameSchema, column: str, check: str) -> Column | None:
    """Rows breaking ``check`` on ``column``, as a Spark predicate.

    ``check`` is a check name as pandera reports it (``not_nullable``,
    ``isin(...)``...); None when the column or check is not declared, or the check
    cannot be written in Spark. A null value breaks only ``not_nullable``.
    """
    value = F.col(column)
    if check == "not_nullable":
        return value.isNull()
    name = re.sub(r"\(.*", "", check)
    column_schema = schema.columns.get(column)
    if column_schema is None:
        return None
    for declared in column_schema.checks:
        if declared.name == name:
            failing = _check_predicate(value, name, declared.statistics)
            return None if failing is None else value.isNotNull() & failing
    return None


def _check_predicate(value: Column, name: str, stats: dict) -> Column | None:
    checks = {
        "greater_than_or_equal_to": lambda: value < stats.get("min_value"),
        "greater_than": lambda: value <= stats.get("min_value"),
        "less_than_or_equal_to": lambda: value > stats.get("max_value"),
        "less_than": lambda: value >= stats.get("max_value"),
        "equal_to": lambda: value != stats.get("value"),
        "isin": lambda: ~value.isin(list(stats.get("allowed_values", []))),
        "notin": lambda: value.isin(list(stats.get("forbidden_values", []))),
        "str_matches": lambda: ~value.rlike(_anchored(stats.get("pattern"))),
        "in_range": lambda: _outside(value, stats),
    }
    build = checks.get(name)
    return None if build is None else build()


def _anchored(pattern: object) -> str:
    # pandera anchors str_matches at the start: a match must begin the value.
    text = getattr(pattern, "pattern", pattern)
    text = str(text)
    return text if text.startswith("^") else f"^{text}"


def _outside(value: Column, stats: dict) -> Column:
    low, high = stats.get("min_value"), stats.get("max_value")
    below = value < low if stats.get("include_min", True) else value <= low
    above = value > high if stats.get("include_max", True) else value >= high
    return below | above


def _render(rows: DataFrame) -> tuple[str, ...]:
    return tuple(str(row.asDict()) for row in rows.collect())
