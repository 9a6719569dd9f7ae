"""The one place a SparkSession is made: used by the Kedro hook, tests and tools.

Locally the session is embedded Spark with Delta Lake enabled. On Databricks the
cluster's session already exists and is returned as it is (serverless rejects most
``spark.conf.set`` keys, and the cluster owns its configuration).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from importlib.metadata import version
from pathlib import Path

from pyspark.sql import SparkSession

logger = logging.getLogger(__name__)

DELTA_SCALA_VERSION = "2.13"
DELTA_ARTIFACTS = ("delta-spark_{scala}", "delta-storage")
# The driver's log4j configuration, shipped with the package (see the file).
LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")
JAVA_OPTIONS = "spark.driver.extraJavaOptions"


def on_databricks() -> bool:
    """True inside a Databricks runtime (cluster, job or serverless)."""
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def delta_version() -> str:
    """The Delta Lake version: that of the installed ``delta-spark`` package."""
    return version("delta-spark")


def maven_repository() -> Path:
    """The local Maven repository that ``make install`` fills with the Delta jars."""
    return Path(os.environ.get("MAVEN_REPOSITORY", Path.home() / ".m2" / "repository"))


def delta_jar_paths() -> list[Path]:
    """Paths of the Delta Lake jars in the local Maven repository.

    Using the jars by path (``spark.jars``) rather than ``spark.jars.packages`` skips
    Ivy resolution at every session start and works with no network at run time.
    """
    ver = delta_version()
    jars = []
    for artifact in DELTA_ARTIFACTS:
        name = artifact.format(scala=DELTA_SCALA_VERSION)
        jar = maven_repository() / "io" / "delta" / name / ver / f"{name}-{ver}.jar"
        if not jar.is_file():
            raise FileNotFoundError(
                f"Delta Lake jar {jar} is missing: run `make install` (it fetches "
                f"io.delta:{name}:{ver} from Maven Central into {maven_repository()})."
            )
        jars.append(jar)
    return jars


def build_spark_session(options: Mapping[str, object]) -> SparkSession:
    """Return the SparkSession for this run, made from ``options`` (``spark.yml``).

    On Databricks the active session is returned untouched. Elsewhere an embedded
    session is built with the Delta jars and the given options.
    """
    if on_databricks():
        return SparkSession.builder.getOrCreate()
    builder = SparkSession.builder
    for key, value in {**options, JAVA_OPTIONS: driver_java_options(options)}.items():
        builder = builder.config(key, _as_conf_value(value))
    jars = ",".join(str(path) for path in delta_jar_paths())
    builder = builder.config("spark.jars", jars)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    logger.info(
        "Spark %s with Delta Lake %s (%s)",
        spark.version,
        delta_version(),
        spark.sparkContext.master,
    )
    return spark


def driver_java_options(options: Mapping[str, object]) -> str:
    """``spark.driver.extraJavaOptions`` of ``options``, plus the package's log4j
    configuration (a ``file:`` URI, so a path with spaces survives the splitting of
    the options). Applies when the session starts the JVM; a running one keeps its
    own."""
    own = f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}"
    given = str(options.get(JAVA_OPTIONS) or "").strip()
    return f"{given} {own}" if given else own


def _as_conf_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
