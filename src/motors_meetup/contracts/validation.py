"""Validating a DataFrame against its pandera contract, with readable failures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce

import pandera.pyspark as pa
from pandera.config import ValidationDepth, config_context
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

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
    """The failed checks of ``data`` against ``model`` (empty when it passes)."""
    if depth not in DEPTHS:
        raise ValueError(f"Validation depth {depth!r} is not one of {sorted(DEPTHS)}")
    with config_context(validation_depth=DEPTHS[depth]):
        validated = model.validate(check_obj=data)
    errors = dict(validated.pandera.errors or {})
    schema = model.to_schema()
    result = []
    for scope in errors.values():
        for reports in scope.values():
            for report in reports:
                column, check = str(report["column"]), str(report["check"])
                sample = _failing_rows(data, schema, column, check)
                result.append(
                    Finding(table, column, check, str(report["error"]), sample)
                )
    return result


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


def _failing_rows(
    data: DataFrame, schema: pa.DataFrameSchema, column: str, check: str
) -> tuple[str, ...]:
    """A few rows showing a failed check, where the check can be expressed in Spark."""
    if check == "unique":
        keys = _unique_keys(schema)
        duplicated = data.groupBy(*keys).count().where("count > 1")
        return _render(duplicated.limit(SAMPLE_ROWS))
    if column not in data.columns:
        return ()
    predicate = _violation(schema, column, check)
    if predicate is None:
        return ()
    return _render(data.where(predicate).limit(SAMPLE_ROWS))


def _unique_keys(schema: pa.DataFrameSchema) -> list[str]:
    unique = schema.unique
    return [unique] if isinstance(unique, str) else list(unique or [])


def _violation(schema: pa.DataFrameSchema, column: str, check: str) -> Column | None:
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
        "str_matches": lambda: ~value.rlike(str(stats.get("pattern"))),
        "in_range": lambda: reduce(
            lambda a, b: a | b,
            [value < stats.get("min_value"), value > stats.get("max_value")],
        ),
    }
    build = checks.get(name)
    return None if build is None else build()


def _render(rows: DataFrame) -> tuple[str, ...]:
    return tuple(str(row.asDict()) for row in rows.collect())
