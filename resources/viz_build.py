"""Task of the ``motors_meetup_docs`` job: the kedro-viz static site of the project.

The counterpart of the seed's ``dbt docs generate``. Runs ``kedro viz build`` on
the project files that the bundle syncs (pyproject.toml, src/, conf/) in a scratch
copy, so the synced folder is left as deployed, then copies the site to
``--output`` (a Unity Catalog volume folder). ``KEDRO_ENV`` is the job's
environment, so the site shows that environment's table names.

kedro-viz prints build errors but still exits 0, so the site's index.html is
checked before anything is copied. Hooks are not run (no Spark session is needed):
the catalog is only instantiated for names and layers.

    python resources/viz_build.py --project-dir . --env local --output /tmp/site
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_FILES = ("pyproject.toml", "src", "conf")
IGNORED = shutil.ignore_patterns("local", "__pycache__", "*.pyc")

logger = logging.getLogger("viz_build")


def build_site(project_dir: Path, env: str, output: Path) -> Path:
    """Build the kedro-viz site of ``project_dir`` in ``env`` into ``output``."""
    with tempfile.TemporaryDirectory(prefix="motors-meetup-viz-") as scratch:
        work = Path(scratch)
        for name in PROJECT_FILES:
            source = project_dir / name
            if source.is_dir():
                shutil.copytree(source, work / name, ignore=IGNORED)
            else:
                shutil.copyfile(source, work / name)
        variables = {
            **os.environ,
            "KEDRO_ENV": env,
            "KEDRO_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "1",
        }
        variables.pop("KEDRO_LOGGING_CONFIG", None)  # the copy's conf/logging.yml
        subprocess.run(
            [sys.executable, "-m", "kedro", "viz", "build"],
            cwd=work,
            env=variables,
            check=True,
        )
        site = work / "build"
        if not (site / "index.html").is_file() or not (site / "api").is_dir():
            raise RuntimeError(f"kedro viz build wrote no site in {site}")
        if output.exists():
            shutil.rmtree(output)
        # copyfile, not copy2: Unity Catalog volumes reject copying file metadata.
        shutil.copytree(site, output, copy_function=shutil.copyfile)
    logger.info("kedro-viz site of env %s written to %s", env, output)
    return output / "index.html"


def main(argv: list[str] | None = None) -> None:
    """Parse the task parameters and build the site."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project-dir", type=Path, required=True)
    parser.add_argument("--env", required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    build_site(args.project_dir.resolve(), args.env, args.output)


if __name__ == "__main__":
    main()
