"""``DeltaViewDataset``: a view of one warehouse table, its columns as another layer
presents them.

The pbi layer is one view per mart (DESIGN §6 allows "table or view"; the dbt
project's pbi models were views): the mart's columns in another order, a key cast
to text. A view is its definition only, so saving one writes no data and costs no
Spark job, and it always shows its source's current rows: a run no longer copies
every mart into a second table.

* **table mode** (no ``warehouse_dir``; Databricks Unity Catalog): ``CREATE OR
  REPLACE VIEW <catalog>.<schema>.<table> AS SELECT ... FROM <source table>``.
* **path mode** (``warehouse_dir`` set; local): no metastore outlives the Spark
  session, so the definition is stored as ``_view.json`` in the view's folder
  (``<warehouse_dir>/<catalog>/<schema>/<table>``): the source table's folder and
  the select list. A load reads the source through it, and every save also
  registers the view in the session catalog as ``<schema>.<table>``.

The saved frame must be a *projection* of the source table: each of its columns one
of the source's, as it is or cast to another type. The dataset derives the SELECT
from the frame's schema and the source's, and refuses (``DatasetError``) a frame
whose query is not that SELECT (a filter, a join, a computed column), which a view
of those columns would silently not reproduce.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

from kedro.io import DatasetError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from motors_meetup.datasets.delta_table import (
    DeltaSnapshot,
    TableLocation,
    WarehouseDataset,
    read_delta_head,
    read_delta_snapshot,
)

logger = logging.getLogger(__name__)

DEFINITION_FILE = "_view.json"
CAST_TO_TEXT = " AS string) AS "


class DeltaViewDataset(WarehouseDataset):
    """A view of one Delta table: loaded as a Spark DataFrame, saved as a definition."""

    def __init__(  # noqa: PLR0913
        self,
        *,
        table: str,
        schema: str,
        source_table: str,
        source_schema: str,
        catalog: str | None = None,
        warehouse_dir: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._location = TableLocation(catalog, schema, table, warehouse_dir)
        self._source = TableLocation(
            catalog, source_schema, source_table, warehouse_dir
        )
        self.metadata = metadata

    @property
    def source(self) -> TableLocation:
        """The table the view selects from."""
        return self._source

    @property
    def storage(self) -> dict[str, Any]:
        """How the view is stored, for the docs."""
        return {
            "write_mode": "view",
            "view_of": self._source.name.replace("`", ""),
            "primary_key": [],
        }

    def _describe(self) -> dict[str, Any]:
        return {
            "view": self._location.name,
            "path": self._location.path,
            "view_of": self._source.name,
        }

    # ---- load and save ---------------------------------------------------------------

    def _source_frame(self) -> DataFrame:
        spark = self._spark()
        if self._source.path is not None:
            return spark.read.format("delta").load(self._source.path)
        return spark.read.table(self._source.name)

    def _definition_file(self) -> Path | None:
        path = self._location.path
        return None if path is None else Path(path) / DEFINITION_FILE

    def _stored_select(self) -> list[str] | None:
        """Path mode: the stored select list; None when the view is not saved yet."""
        if self._location.path is None:
            return None
        definition = read_definition(Path(self._location.path))
        return None if definition is None else list(definition["select"])

    def _load(self) -> DataFrame:
        if self._location.path is None:
            return self._spark().read.table(self._location.name)
        select = self._stored_select()
        if select is None:
            raise DatasetError(
                f"View {self._location.name} is not built yet: no {DEFINITION_FILE} "
                f"in {self._location.path}"
            )
        return self._source_frame().selectExpr(*select)

    def _exists(self) -> bool:
        if self._location.path is not None:
            return self._stored_select() is not None
        return self._spark().catalog.tableExists(self._location.name.replace("`", ""))

    def _save(self, data: DataFrame) -> None:
        source = self._source_frame()
        select = projection(data.schema, source.schema, self._location.name)
        if not data.sameSemantics(source.selectExpr(*select)):
            raise DatasetError(
                f"View {self._location.name}: the frame saved is not a projection of "
                f"{self._source.name} (each column one of its columns, as it is or "
                "cast); a view of those columns would not give its rows"
            )
        spark = self._spark()
        self._drop_stored_table()
        if self._location.path is None:
            spark.sql(f"CREATE SCHEMA IF NOT EXISTS {self._location.schema_name}")
            spark.sql(view_sql(self._location.name, select, self._source.name))
            logger.info("View %s of %s defined", self._location.name, self._source.name)
            return
        self._store_definition(select)
        register_view(spark, Path(self._location.path))

    def _drop_stored_table(self) -> None:
        """Drop a table stored under the view's name: the pbi layer was tables
        (copies of the marts) until session 14, and a view cannot replace a table.
        Only the copy goes; its mart keeps the rows."""
        spark = self._spark()
        name = self._location.name
        registered = spark.catalog.tableExists(name.replace("`", ""))
        if registered and _object_type(spark, name) != "VIEW":
            spark.sql(f"DROP TABLE {name}")
        else:
            registered = False
        folder = Path(self._location.path or ".")
        stored = self._location.path is not None and (folder / "_delta_log").is_dir()
        if stored:
            shutil.rmtree(folder)
        if registered or stored:
            logger.warning(
                "%s was a table (a copy of %s): dropped, to be replaced by a view",
                name,
                self._source.name,
            )

    def _definition(self, select: list[str]) -> dict[str, Any]:
        """What ``_view.json`` holds: the source as ``<schema>.<table>`` (found next
        to the view's schema folder, so a moved warehouse keeps its views) and the
        select list."""
        return {
            "source": f"{self._source.schema}.{self._source.table}",
            "select": select,
        }

    def _store_definition(self, select: list[str]) -> None:
        file = self._definition_file()
        assert file is not None  # noqa: S101 - path mode only
        definition = self._definition(select)
        if read_definition(file.parent) == definition:
            logger.info(
                "View %s kept: the same columns of %s",
                self._location.name,
                self._source.name,
            )
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        temporary = file.with_suffix(".tmp")
        temporary.write_text(json.dumps(definition, indent=1) + "\n", encoding="utf-8")
        temporary.replace(file)  # atomic: a crash leaves the old or the new
        logger.info("View %s of %s defined", self._location.name, self._source.name)

    # ---- kedro-viz and the docs (no Spark) ------------------------------------------

    def snapshot(self) -> DeltaSnapshot | None:
        """The source table's current Delta snapshot (path mode), or None when the
        view is not defined yet."""
        if self._source.path is None or self._stored_select() is None:
            return None
        return read_delta_snapshot(Path(self._source.path))

    def _head(self, nrows: int) -> tuple[list[str], list[list[Any]]]:
        if self._location.path is None:
            return self._spark_head(nrows)
        select = self._stored_select()
        if select is None:
            return [], []
        names, rows = read_delta_head(Path(self._source.path or ""), nrows)
        columns = [output_name(expression) for expression in select]
        positions = [names.index(source_name(expression)) for expression in select]
        # Previews show text keys as text (the only cast the pbi views make).
        as_text = [CAST_TO_TEXT in expression for expression in select]
        return columns, [
            [_text(row[i]) if text else row[i] for i, text in zip(positions, as_text)]
            for row in rows
        ]


def _object_type(spark: SparkSession, name: str) -> str:
    """``VIEW``, ``MANAGED`` or ``EXTERNAL``: what the catalog holds as ``name``."""
    details = spark.sql(f"DESCRIBE TABLE EXTENDED {name}").collect()
    for row in details:
        if row["col_name"] == "Type":
            return str(row["data_type"]).upper()
    return ""


def read_definition(view_dir: Path) -> dict[str, Any] | None:
    """A path-mode view's stored definition; None when there is none."""
    file = view_dir / DEFINITION_FILE
    if not file.is_file():
        return None
    return dict(json.loads(file.read_text(encoding="utf-8")))


def register_view(spark: SparkSession, view_dir: Path) -> str:
    """Define the path-mode view stored in ``view_dir``
    (``<catalog dir>/<schema>/<table>``) in the session catalog as
    ``<schema>.<table>``, over its source's folder beside it; returns the name."""
    select, source = _stored_view(view_dir)
    schema, table = view_dir.parent.name, view_dir.name
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS `{schema}`")
    spark.sql(view_sql(f"`{schema}`.`{table}`", select, f"delta.`{source}`"))
    return f"{schema}.{table}"


def load_view(spark: SparkSession, view_dir: Path) -> DataFrame:
    """The rows of the path-mode view stored in ``view_dir``, without naming it in
    the session catalog."""
    select, source = _stored_view(view_dir)
    return spark.read.format("delta").load(str(source)).selectExpr(*select)


def _stored_view(view_dir: Path) -> tuple[list[str], Path]:
    """The select list of the view stored in ``view_dir`` and its source's folder
    (beside the view's schema folder)."""
    definition = read_definition(view_dir)
    if definition is None:
        raise DatasetError(f"No view definition ({DEFINITION_FILE}) in {view_dir}")
    source_schema, source_table = str(definition["source"]).split(".")
    source = view_dir.parent.parent / source_schema / source_table
    return list(definition["select"]), source.resolve()


def view_sql(name: str, select: list[str], source: str) -> str:
    """The statement that (re)defines view ``name`` as ``select`` from ``source``."""
    return f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(select)} FROM {source}"


def projection(
    target: T.StructType, source: T.StructType, view: str = "the view"
) -> list[str]:
    """The SELECT list that gives ``target``'s columns from ``source``'s: each by
    name, cast where the types differ."""
    types = {field.name: field.dataType for field in source.fields}
    select = []
    for field in target.fields:
        if field.name not in types:
            raise DatasetError(
                f"{view}: column {field.name!r} is not a column of the view's source"
            )
        column = f"`{field.name}`"
        if field.dataType != types[field.name]:
            column = f"CAST({column} AS {field.dataType.simpleString()}) AS {column}"
        select.append(column)
    return select


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def output_name(expression: str) -> str:
    """The name a select expression of :func:`projection` gives its column."""
    return expression.rsplit("`", 2)[-2]


def source_name(expression: str) -> str:
    """The source column a select expression of :func:`projection` reads."""
    return expression.split("`", 2)[1]
