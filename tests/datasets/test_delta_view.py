"""``DeltaViewDataset``: a view of a Delta table, in path mode under ``tmp_path``
and in table mode in the session catalog.

Every test uses its own schema names: the test session's Spark catalog is shared.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from kedro.io import DatasetError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from motors_meetup.datasets.delta_table import DeltaTableDataset
from motors_meetup.datasets.delta_view import DeltaViewDataset, projection
from motors_meetup.warehouse import register_tables

SCHEMA = "person_sk string, name string, age int"


def _pair(root: Path | None, prefix: str) -> tuple[DeltaTableDataset, DeltaViewDataset]:
    """A source table ``<prefix>_marts.people`` and its view ``<prefix>_pbi.v``."""
    location = (
        {"catalog": "workspace", "warehouse_dir": str(root)}
        if root is not None
        else {"catalog": "spark_catalog"}
    )
    source = DeltaTableDataset(table="people", schema=f"{prefix}_marts", **location)
    view = DeltaViewDataset(
        table="v",
        schema=f"{prefix}_pbi",
        source_table="people",
        source_schema=f"{prefix}_marts",
        **location,
    )
    return source, view


def _people(spark: SparkSession) -> DataFrame:
    return spark.createDataFrame([("s1", "Ada", 36), ("s2", "Grace", 45)], SCHEMA)


def _presented(frame: DataFrame) -> DataFrame:
    """Keys last, age as text: a projection with a cast."""
    return frame.select("name", F.col("age").cast("string").alias("age"), "person_sk")


def _rows(frame: DataFrame) -> list[tuple]:
    return sorted(tuple(row) for row in frame.collect())


def test_a_saved_view_loads_its_source_s_current_rows_in_its_columns(
    spark: SparkSession, tmp_path: Path
) -> None:
    source, view = _pair(tmp_path, "view_path")
    source.save(_people(spark))
    assert not view.exists()

    view.save(_presented(source.load()))

    assert view.exists()
    loaded = view.load()
    assert loaded.dtypes == [
        ("name", "string"),
        ("age", "string"),
        ("person_sk", "string"),
    ]
    assert _rows(loaded) == [("Ada", "36", "s1"), ("Grace", "45", "s2")]
    # A view holds no data: a later write of the source shows through it.
    source.save(spark.createDataFrame([("s3", "Linus", 29)], SCHEMA))
    assert _rows(view.load()) == [("Linus", "29", "s3")]
    # Its folder holds the definition only, and the session knows it by name.
    folder = tmp_path / "workspace" / "view_path_pbi" / "v"
    assert sorted(p.name for p in folder.iterdir()) == ["_view.json"]
    assert json.loads((folder / "_view.json").read_text()) == {
        "source": "view_path_marts.people",
        "select": ["`name`", "CAST(`age` AS string) AS `age`", "`person_sk`"],
    }
    assert _rows(spark.table("view_path_pbi.v")) == [("Linus", "29", "s3")]


def test_a_view_of_a_filtered_or_computed_frame_is_refused(
    spark: SparkSession, tmp_path: Path
) -> None:
    source, view = _pair(tmp_path, "view_refused")
    source.save(_people(spark))
    people = source.load()

    for wrong in (
        people.where("age > 40"),
        people.select("person_sk", (F.col("age") + 1).alias("age")),
        people.select("person_sk", F.upper("name").alias("name")),
    ):
        with pytest.raises(DatasetError, match="not a projection"):
            view.save(wrong)
    with pytest.raises(DatasetError, match="'nickname' is not a column"):
        view.save(people.select(F.col("name").alias("nickname")))
    assert not view.exists()


def test_saving_the_same_view_again_keeps_its_definition(
    spark: SparkSession, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source, view = _pair(tmp_path, "view_kept")
    source.save(_people(spark))
    view.save(_presented(source.load()))
    definition = tmp_path / "workspace" / "view_kept_pbi" / "v" / "_view.json"
    written = definition.stat().st_mtime_ns

    with caplog.at_level("INFO", logger="motors_meetup"):
        view.save(_presented(source.load()))

    assert definition.stat().st_mtime_ns == written
    assert "`view_kept_pbi`.`v` kept: the same columns of" in caplog.text


def test_a_view_not_saved_yet_cannot_be_loaded(tmp_path: Path) -> None:
    _, view = _pair(tmp_path, "view_missing")

    with pytest.raises(DatasetError, match="not built yet"):
        view.load()


def test_the_preview_shows_the_source_s_rows_in_the_view_s_columns(
    spark: SparkSession, tmp_path: Path
) -> None:
    source, view = _pair(tmp_path, "view_preview")
    assert view.table_preview()["data"] == []
    source.save(_people(spark).where("name = 'Ada'"))
    view.save(_presented(source.load()))

    preview = view.table_preview()

    assert preview["columns"] == ["name", "age", "person_sk"]
    assert preview["data"] == [["Ada", "36", "s1"]]
    assert view.storage == {
        "write_mode": "view",
        "view_of": "view_preview_marts.people",
        "primary_key": [],
    }


def test_table_mode_creates_a_view_in_the_catalog(spark: SparkSession) -> None:
    source, view = _pair(None, "view_table_mode")
    source.save(_people(spark))

    view.save(_presented(source.load()))

    views = spark.sql("SHOW VIEWS IN view_table_mode_pbi").collect()
    assert [(row.viewName, row.isTemporary) for row in views] == [("v", False)]
    assert view.exists()
    assert _rows(view.load()) == [("Ada", "36", "s1"), ("Grace", "45", "s2")]
    # Its preview comes through the running session, in the view's columns.
    preview = view.table_preview()
    assert preview["columns"] == ["name", "age", "person_sk"]
    assert sorted(preview["data"]) == [["Ada", "36", "s1"], ["Grace", "45", "s2"]]


def test_projection_selects_by_name_and_casts_where_types_differ() -> None:
    source = T.StructType(
        [T.StructField("a", T.IntegerType()), T.StructField("b", T.StringType())]
    )
    target = T.StructType(
        [T.StructField("b", T.StringType()), T.StructField("a", T.StringType())]
    )

    assert projection(target, source) == ["`b`", "CAST(`a` AS string) AS `a`"]


def test_a_moved_warehouse_s_views_read_its_own_tables(
    spark: SparkSession, tmp_path: Path
) -> None:
    source, view = _pair(tmp_path / "before", "view_moved")
    source.save(_people(spark))
    view.save(_presented(source.load()))
    shutil.copytree(tmp_path / "before", tmp_path / "after")
    shutil.rmtree(tmp_path / "before")

    names = register_tables(spark, tmp_path / "after" / "workspace")

    assert names == ["view_moved_marts.people", "view_moved_pbi.v"]
    assert _rows(spark.table("view_moved_pbi.v")) == [
        ("Ada", "36", "s1"),
        ("Grace", "45", "s2"),
    ]


@pytest.mark.parametrize("mode", ["path", "table"])
def test_a_pbi_table_of_an_earlier_release_is_replaced_by_the_view(
    spark: SparkSession,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    prefix = f"view_upgrade_{mode}"
    source, view = _pair(tmp_path if mode == "path" else None, prefix)
    source.save(_people(spark))
    # What the earlier release stored under the view's name: a copy of the mart.
    old = DeltaTableDataset(table="v", schema=f"{prefix}_pbi", **_where(source))
    old.save(_presented(source.load()).limit(1))

    with caplog.at_level("WARNING", logger="motors_meetup"):
        view.save(_presented(source.load()))

    assert "was a table (a copy of" in caplog.text
    assert _rows(view.load()) == [("Ada", "36", "s1"), ("Grace", "45", "s2")]
    assert _rows(spark.table(f"{prefix}_pbi.v")) == _rows(view.load())
    if mode == "path":
        folder = tmp_path / "workspace" / f"{prefix}_pbi" / "v"
        assert sorted(p.name for p in folder.iterdir()) == ["_view.json"]


def _where(source: DeltaTableDataset) -> dict[str, str | None]:
    location = source.location
    if location.warehouse_dir is None:
        return {"catalog": location.catalog}
    return {"catalog": location.catalog, "warehouse_dir": location.warehouse_dir}
