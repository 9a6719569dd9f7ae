#!/usr/bin/env bash
# Fetch the Delta Lake jars matching the installed delta-spark into ~/.m2.
# PyPI's delta-spark has no jars; the session loads them from the local Maven
# repository (see src/motors_meetup/spark.py). Nothing is committed.
set -euo pipefail
PYTHON=${PYTHON:-python3}
version=$("$PYTHON" -c 'from importlib.metadata import version; print(version("delta-spark"))')
repo=${MAVEN_REPOSITORY:-$HOME/.m2/repository}
for artifact in delta-spark_2.13 delta-storage; do
  jar="$repo/io/delta/$artifact/$version/$artifact-$version.jar"
  if [ -f "$jar" ]; then
    echo "Delta jar present: $jar"
    continue
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "error: Maven (mvn) is needed to fetch io.delta:$artifact:$version" >&2
    exit 1
  fi
  echo "Fetching io.delta:$artifact:$version from Maven Central..."
  mvn -q -B dependency:get -Dtransitive=false "-Dartifact=io.delta:$artifact:$version" \
    "-Dmaven.repo.local=$repo"
  test -f "$jar" || { echo "error: $jar still missing after mvn" >&2; exit 1; }
done
