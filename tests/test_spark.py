"""The embedded Spark session: its driver logs errors only, with no start-up banner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from motors_meetup.spark import LOG4J_CONFIG, driver_java_options

OWN = f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()}"

# A fresh interpreter, so that the session starts its own JVM with these options.
START = """
from motors_meetup.spark import build_spark_session

spark = build_spark_session({
    "spark.master": "local[1]",
    "spark.ui.enabled": "false",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
})
print("rows", spark.range(3).count(), flush=True)
log4j = spark.sparkContext._jvm.org.apache.logging.log4j.LogManager
log4j.getLogger("motors_meetup.check").warn("a warning stays quiet")
log4j.getLogger("motors_meetup.check").error("an error still shows")
spark.stop()
"""


def test_the_package_log4j_configuration_is_added_to_the_driver_options() -> None:
    assert LOG4J_CONFIG.is_file()
    assert LOG4J_CONFIG.as_uri().startswith("file:///")
    assert driver_java_options({}) == OWN
    assert driver_java_options({"spark.driver.extraJavaOptions": " -Xss4m "}) == (
        f"-Xss4m {OWN}"
    )


def test_a_new_session_prints_no_banner_and_still_shows_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-c", START],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"},
        cwd=Path(__file__).parent,
    )
    assert "rows 3" in result.stdout
    for banner in (
        "Using Spark's default log4j profile",
        "Setting default log level",
        "NativeCodeLoader",
        "a warning stays quiet",
    ):
        assert banner not in result.stderr
    assert "ERROR   motors_meetup.check: an error still shows" in result.stderr
