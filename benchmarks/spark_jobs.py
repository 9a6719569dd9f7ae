"""Where a run's time went, per task: in Spark jobs, or on the driver between them.

Run ``kedro run`` with ``MOTORS_MEETUP_SPARK_EVENT_LOG=<folder>`` and
``MOTORS_MEETUP_RUN_REPORT=<file>``, then:

    python benchmarks/spark_jobs.py <folder> <file>

Each Spark job carries its task's name as job group (set by the run report hook).
*Job seconds* add up the jobs' wall time (from submission to completion; jobs of one
task run one after another, except broadcasts, so overlaps are few). *Driver seconds*
are the rest of the task's time: planning, Delta log and commit work, Python. The
table also counts the Delta MERGE jobs, by the description Delta gives them.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TaskJobs:
    """The Spark jobs of one task."""

    jobs: int = 0
    seconds: float = 0.0
    merge_jobs: int = 0


def jobs_by_task(event_log_dir: Path) -> dict[str, TaskJobs]:
    """Jobs and their wall seconds per job group, from the event logs in the folder."""
    started: dict[int, tuple[str, int, bool]] = {}
    tasks: dict[str, TaskJobs] = {}
    for path in sorted(p for p in event_log_dir.rglob("events_*") if p.is_file()):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if '"SparkListenerJob' not in line[:40]:
                    continue
                event = json.loads(line)
                if event["Event"] == "SparkListenerJobStart":
                    properties = event.get("Properties") or {}
                    group = properties.get("spark.jobGroup.id") or "(no task)"
                    description = properties.get("spark.job.description") or ""
                    started[event["Job ID"]] = (
                        group,
                        event["Submission Time"],
                        "MERGE operation" in description,
                    )
                elif event["Event"] == "SparkListenerJobEnd":
                    group, submitted, merge = started.pop(
                        event["Job ID"], ("(no task)", event["Completion Time"], False)
                    )
                    task = tasks.setdefault(group, TaskJobs())
                    task.jobs += 1
                    task.seconds += (event["Completion Time"] - submitted) / 1000
                    task.merge_jobs += merge
    return tasks


def render(report: dict, jobs: dict[str, TaskJobs]) -> str:
    """A table: per task, its total, job and driver seconds, jobs and MERGE jobs."""
    lines = [
        f"{'task':34} {'total s':>8} {'jobs s':>8} {'driver s':>8} {'jobs':>5} "
        f"{'MERGE jobs':>10}"
    ]
    totals = [0.0, 0.0, 0, 0]
    for name, task in report["tasks"].items():
        spark = jobs.get(name, TaskJobs())
        driver = task["total_s"] - spark.seconds
        lines.append(
            f"{name:34} {task['total_s']:>8.1f} {spark.seconds:>8.1f} {driver:>8.1f} "
            f"{spark.jobs:>5} {spark.merge_jobs:>10}"
        )
        totals[0] += task["total_s"]
        totals[1] += spark.seconds
        totals[2] += spark.jobs
        totals[3] += spark.merge_jobs
    lines.append(
        f"{'all tasks':34} {totals[0]:>8.1f} {totals[1]:>8.1f} "
        f"{totals[0] - totals[1]:>8.1f} {totals[2]:>5} {totals[3]:>10}"
    )
    return "\n".join(lines)


def main() -> None:
    """Print the table for one run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("event_log_dir", type=Path)
    parser.add_argument("run_report", type=Path)
    args = parser.parse_args()
    report = json.loads(args.run_report.read_text(encoding="utf-8"))
    print(render(report, jobs_by_task(args.event_log_dir)))  # noqa: T201


if __name__ == "__main__":
    main()
