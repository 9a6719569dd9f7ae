"""Benchmark: full refresh vs a 1% incremental run, at growing input sizes.

For each size the generator writes 100 batches (deliveries). The first 99 are built
with a full refresh (timed); then batch 100 — about 1% new input, with re-delivered
events, answers and users — is added and built incrementally (timed). Each run is a
separate ``kedro run`` process, so JVM start is included, as a user would see it.
Repetitions restore the warehouse as it was before the incremental run.

    python benchmarks/run_benchmark.py --sizes 10000 100000 1000000 --repeat 3

Prints a table: RSVP rows, wall seconds (median), rows/s and peak memory (largest
process, the Spark JVM).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from motors_meetup.sample_data import generate

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RSVPS_PER_SCALE = 2_850  # RSVP entries per unit of generator scale (measured)
BATCHES = 100
SOURCES = ("events", "groups", "users", "venues")
AS_OF = "2018-06-30"


@dataclass
class Timing:
    """One measured run."""

    seconds: float
    peak_rss_mb: float


def _kedro_run(input_dir: Path, warehouse: Path, full_refresh: bool) -> Timing:
    params = (
        f"input_dir={input_dir},warehouse_dir={warehouse},as_of_date={AS_OF},"
        f"full_refresh={str(full_refresh).lower()}"
    )
    env = dict(os.environ, KEDRO_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-m", "kedro", "run", "--params", params],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"kedro run failed ({result.returncode})")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return Timing(elapsed, peak / 1024)


def _stage_batches(generated: Path, input_dir: Path, upto: int) -> None:
    for source in SOURCES:
        target = input_dir / source
        target.mkdir(parents=True, exist_ok=True)
        for number in range(1, upto + 1):
            name = f"batch_{number:04d}.json"
            path = generated / source / name
            if path.exists() and not (target / name).exists():
                shutil.copy2(path, target / name)


def _count_rsvps(input_dir: Path, upto: int) -> int:
    import json  # noqa: PLC0415

    total = 0
    for path in sorted((input_dir / "events").glob("*.json"))[:upto]:
        with path.open(encoding="utf-8") as handle:
            total += sum(len(json.loads(line).get("rsvps") or []) for line in handle)
    return total


def bench_size(rsvps: int, repeat: int, workdir: Path) -> dict[str, object]:
    """Full refresh over 99 batches, then one incremental batch, ``repeat`` times."""
    generated = workdir / f"gen_{rsvps}"
    generate(generated, seed=7, scale=rsvps / RSVPS_PER_SCALE, batches=BATCHES)
    input_dir, warehouse = workdir / f"in_{rsvps}", workdir / f"wh_{rsvps}"
    _stage_batches(generated, input_dir, BATCHES - 1)
    full = [_kedro_run(input_dir, warehouse, True) for _ in range(repeat)]
    snapshot = workdir / f"snap_{rsvps}"
    shutil.copytree(warehouse, snapshot)
    _stage_batches(generated, input_dir, BATCHES)
    incremental = []
    for _ in range(repeat):
        incremental.append(_kedro_run(input_dir, warehouse, False))
        shutil.rmtree(warehouse)
        shutil.copytree(snapshot, warehouse)
    size_mb = sum(p.stat().st_size for p in input_dir.rglob("*.json")) / 1e6
    return {
        "rsvps": _count_rsvps(input_dir, BATCHES),
        "input_mb": size_mb,
        "full": statistics.median(t.seconds for t in full),
        "incremental": statistics.median(t.seconds for t in incremental),
        "peak_mb": max(t.peak_rss_mb for t in full + incremental),
    }


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mm-bench-"))
    rows = [bench_size(size, args.repeat, workdir) for size in args.sizes]
    header = (
        f"{'RSVP rows':>10} {'input MB':>9} {'full s':>8} {'rows/s':>8} "
        f"{'1% incr s':>10} {'incr/full':>9} {'peak MB':>8}"
    )
    print(f"machine: {os.cpu_count()} cores; repeat={args.repeat} (median)")  # noqa: T201
    print(header)  # noqa: T201
    for row in rows:
        print(  # noqa: T201
            f"{row['rsvps']:>10,} {row['input_mb']:>9.1f} {row['full']:>8.1f} "
            f"{row['rsvps'] / row['full']:>8,.0f} {row['incremental']:>10.1f} "
            f"{row['incremental'] / row['full']:>9.2f} {row['peak_mb']:>8,.0f}"
        )


if __name__ == "__main__":
    main()
