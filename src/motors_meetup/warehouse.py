"""Open the local warehouse from a notebook or script, every table queryable by name.

``open_warehouse()`` starts Spark with the project's ``spark.yml`` and registers each
Delta table (and each view) found under ``<warehouse_dir>/<catalog>/<schema>/<table>``
as ``<schema>.<table>`` (Spark's built-in catalog forgets registrations when a session
ends, so a new session registers them again).
"""

from __future__ import annotations

from pathlib import Path

from kedro.config import OmegaConfigLoader
from pyspark.sql import SparkSession

from motors_meetup.datasets.delta_view import DEFINITION_FILE, register_view
from motors_meetup.settings import CONFIG_LOADER_ARGS
from motors_meetup.spark import build_spark_session

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def open_warehouse(
    warehouse_dir: str | Path | None = None,
    env: str = "local",
    conf_source: str | Path | None = None,
) -> SparkSession:
    """A Spark session with every stored Delta table registered by name."""
    loader = project_config(env, conf_source)
    spark = build_spark_session(loader["spark"])
    register_tables(spark, catalog_dir(loader, warehouse_dir))
    return spark


def project_config(
    env: str = "local", conf_source: str | Path | None = None
) -> OmegaConfigLoader:
    """The project's configuration (``conf/base`` + ``env``), as a run loads it."""
    return OmegaConfigLoader(
        conf_source=str(conf_source or PROJECT_ROOT / "conf"), env=env, **_loader_args()
    )


def catalog_dir(
    loader: OmegaConfigLoader, warehouse_dir: str | Path | None = None
) -> Path:
    """The folder holding ``<schema>/<table>``: ``<warehouse_dir>/<catalog>``."""
    root = Path(warehouse_dir or loader["globals"]["paths"]["warehouse_dir"])
    if not root.is_absolute():
        root = PROJECT_ROOT / root
    return root / loader["globals"]["catalog"]


def register_tables(spark: SparkSession, tables_root: Path) -> list[str]:
    """Register every ``<schema>/<table>`` Delta folder under ``tables_root`` (the
    folder ``catalog_dir`` names), and every view stored there."""
    names = []
    for log in sorted(tables_root.glob("*/*/_delta_log")):
        table_dir = log.parent
        schema, table = table_dir.parent.name, table_dir.name
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS `{schema}`")
        spark.sql(
            f"CREATE TABLE IF NOT EXISTS `{schema}`.`{table}` "
            f"USING DELTA LOCATION '{table_dir.resolve()}'"
        )
        names.append(f"{schema}.{table}")
    # Views (the pbi layer) after the tables they select from.
    for definition in sorted(tables_root.glob(f"*/*/{DEFINITION_FILE}")):
        names.append(register_view(spark, definition.parent))
    return names


def _loader_args() -> dict:
    args = dict(CONFIG_LOADER_ARGS)
    args.pop("default_run_env", None)
    return args
