"""Benchmark: full refresh vs a 1% incremental run, at growing input sizes.

For each size the generator writes 100 batches (deliveries). The first 99 are built
with a full refresh (timed); then batch 100 — about 1% new input, with re-delivered
events, answers and users — is added and built incrementally (timed); last, a run
with no new input at all (timed), as a scheduled job finds when nothing arrived.
Each run is a separate ``kedro run`` process, so JVM start is included, as a user
would see it.
Each repetition starts from an empty warehouse (full, then incremental), so a
cut-short benchmark still has complete pairs.

    python benchmarks/run_benchmark.py --sizes 10000 100000 1000000 --repeat 3

Prints a table per size — RSVP rows, wall seconds (median), rows/s, peak memory of
the whole process tree (the kedro process and its Spark JVM: proportional set size,
sampled from /proc) —
and where the time of the median run went: start-up (Python, Kedro, JVM), each
layer's tasks, the Spark jobs they ran and the Delta commits they made. Every run's
report (per task: planning, save, total seconds and Spark jobs) is kept in
``<workdir>/reports/<size>-run<n>/{full,incremental,idle}.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from motors_meetup.sample_data import generate

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RSVPS_PER_SCALE = 2_850  # RSVP entries per unit of generator scale (measured)
BATCHES = 100
SOURCES = ("events", "groups", "users", "venues")
AS_OF = "2018-06-30"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") / 1024
# Task name prefix -> layer, for the breakdown.
LAYERS = (
    ("raw", ("open_batch", "raw_")),
    ("staging", ("stg_",)),
    ("intermediate", ("int_",)),
    ("marts", ("dim_", "fact_")),
    ("pbi", ("pbi_",)),
    ("bookkeeping", ("close_batch",)),
)


@dataclass
class Run:
    """One measured ``kedro run``."""

    seconds: float
    peak_mb: float
    report: dict = field(default_factory=dict)
    commits: int = 0


def _tree_memory_kb(root: int) -> int:
    """Memory of ``root`` and all its descendants, from /proc.

    Each process counts its proportional set size (PSS: shared pages divided among
    the processes sharing them). Plain RSS counts a shared page once per process, so
    a child forked from the 6 GB JVM (Hadoop's local file system runs ``chmod``
    and friends) would add the JVM's memory a second time.
    """
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(_process_memory_kb(pid) for pid in tree)


def _process_memory_kb(pid: int) -> int:
    """PSS of one process (RSS where the kernel has no smaps_rollup); 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 2 :].split()[21]) * int(PAGE_KB)


def _delta_commits(warehouse: Path) -> int:
    return sum(1 for _ in warehouse.glob("workspace/*/*/_delta_log/*.json"))


def kedro_run(
    input_dir: Path, warehouse: Path, full_refresh: bool, report_file: Path
) -> Run:
    """One ``kedro run`` process; its run report is kept at ``report_file``."""
    params = (
        f"input_dir={input_dir},warehouse_dir={warehouse},as_of_date={AS_OF},"
        f"full_refresh={str(full_refresh).lower()}"
    )
    report_file.parent.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        KEDRO_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="1",
        MOTORS_MEETUP_RUN_REPORT=str(report_file),
    )
    commits_before = _delta_commits(warehouse)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "kedro", "run", "--params", params],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_memory_kb(process.pid))
            # Reading PSS walks the JVM's page tables: sampled every 2 s to stay cheap.
            done.wait(2.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.stderr.write(output[-6000:])
        raise SystemExit(f"kedro run failed ({process.returncode})")
    report = json.loads(report_file.read_text(encoding="utf-8"))
    commits = _delta_commits(warehouse) - commits_before
    return Run(elapsed, peak[0] / 1024, report, commits)


def _stage_batches(generated: Path, input_dir: Path, upto: int) -> None:
    for source in SOURCES:
        target = input_dir / source
        target.mkdir(parents=True, exist_ok=True)
        for number in range(1, upto + 1):
            name = f"batch_{number:04d}.json"
            path = generated / source / name
            if path.exists() and not (target / name).exists():
                shutil.copy2(path, target / name)


def _count_rsvps(input_dir: Path) -> int:
    total = 0
    for path in sorted((input_dir / "events").glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            total += sum(len(json.loads(line).get("rsvps") or []) for line in handle)
    return total


def _median_run(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.seconds)[(len(runs) - 1) // 2]


def bench_size(rsvps: int, repeat: int, workdir: Path) -> dict[str, object]:
    """Full refresh over 99 batches, then one incremental batch, ``repeat`` times."""
    generated = workdir / f"gen_{rsvps}"
    if not generated.exists():
        generate(generated, seed=7, scale=rsvps / RSVPS_PER_SCALE, batches=BATCHES)
    input_dir, warehouse = workdir / f"in_{rsvps}", workdir / f"wh_{rsvps}"
    full, incremental, idle = [], [], []
    for number in range(repeat):
        # Each repetition: a full refresh over 99 deliveries, then the 100th alone.
        for folder in (input_dir, warehouse):
            shutil.rmtree(folder, ignore_errors=True)
        _stage_batches(generated, input_dir, BATCHES - 1)
        reports = workdir / "reports" / f"{rsvps}-run{number + 1}"
        full.append(kedro_run(input_dir, warehouse, True, reports / "full.json"))
        _progress(rsvps, "full", number, full[-1])
        _stage_batches(generated, input_dir, BATCHES)
        incremental.append(
            kedro_run(input_dir, warehouse, False, reports / "incremental.json")
        )
        _progress(rsvps, "1% incremental", number, incremental[-1])
        idle.append(kedro_run(input_dir, warehouse, False, reports / "idle.json"))
        _progress(rsvps, "no new input", number, idle[-1])
    return {
        "rsvps": _count_rsvps(input_dir),
        "input_mb": sum(p.stat().st_size for p in input_dir.rglob("*.json")) / 1e6,
        "full": statistics.median(run.seconds for run in full),
        "incremental": statistics.median(run.seconds for run in incremental),
        "idle": statistics.median(run.seconds for run in idle),
        "peak_mb": max(run.peak_mb for run in full + incremental + idle),
        "full_run": _median_run(full),
        "incremental_run": _median_run(incremental),
        "idle_run": _median_run(idle),
    }


def _progress(rsvps: int, kind: str, number: int, run: Run) -> None:
    print(  # noqa: T201
        f"  {rsvps:>9,} target RSVPs, {kind} run {number + 1}: {run.seconds:.1f} s, "
        f"peak {run.peak_mb:,.0f} MB",
        flush=True,
    )


def _breakdown(run: Run) -> str:
    tasks = run.report["tasks"]
    startup = run.seconds - run.report["run_s"]
    parts = [f"start-up {startup:.0f} s"]
    for layer, prefixes in LAYERS:
        chosen = [task for name, task in tasks.items() if name.startswith(prefixes)]
        seconds = sum(task["total_s"] for task in chosen)
        jobs = sum(task.get("spark_jobs", 0) for task in chosen)
        parts.append(f"{layer} {seconds:.0f} s/{len(chosen)} tasks/{jobs} jobs")
    parts.append(f"{run.commits} Delta commits")
    return ", ".join(parts)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mm-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    rows = [bench_size(size, args.repeat, workdir) for size in args.sizes]
    print(  # noqa: T201
        f"\nmachine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB; "
        f"repeat={args.repeat} (median)"
    )
    print(  # noqa: T201
        f"{'RSVP rows':>10} {'input MB':>9} {'full s':>8} {'rows/s':>8} "
        f"{'1% incr s':>10} {'incr/full':>9} {'no-input s':>10} {'peak MB':>8}"
    )
    for row in rows:
        print(  # noqa: T201
            f"{row['rsvps']:>10,} {row['input_mb']:>9.1f} {row['full']:>8.1f} "
            f"{row['rsvps'] / row['full']:>8,.0f} {row['incremental']:>10.1f} "
            f"{row['incremental'] / row['full']:>9.2f} {row['idle']:>10.1f} "
            f"{row['peak_mb']:>8,.0f}"
        )
    print("\nwhere the time of the median run went:")  # noqa: T201
    for row in rows:
        print(f"{row['rsvps']:>10,} full: {_breakdown(row['full_run'])}")  # noqa: T201
        print(f"{'':>10} incr: {_breakdown(row['incremental_run'])}")  # noqa: T201
        print(f"{'':>10} none: {_breakdown(row['idle_run'])}")  # noqa: T201


if __name__ == "__main__":
    main()
