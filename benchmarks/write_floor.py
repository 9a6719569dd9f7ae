"""The floor of a 1% incremental run: only the Delta writes it must make, nothing else.

Takes a built warehouse (e.g. the benchmark's at 1M RSVPs) and, in a first process,
stores for each table a 1% batch's worth of its own rows (the rows whose key hashes
to 0 mod 100), and for each mart the pipeline rebuilds, a copy of all its rows. Then,
``--repeat`` times, on fresh copies of the warehouse, a new process does what no
incremental run can skip: it starts Spark with the project's ``spark.yml`` and
writes those rows into every table a 1% batch changes, in the cheapest way each
table allows, two tables at a time (as ``kedro run``'s two threads here):

* raw: a plain append (cheaper than the pipeline's insert and MERGE);
* staging and intermediate: a MERGE on the table's key (issue 4 asks for MERGEs
  there; the membership tables the pipeline rebuilds get one on their contract key);
* marts: as the catalog writes them, a MERGE or an overwrite with all the rows
  (replaying the rebuilt marts as MERGEs instead measured the same, within the
  machine's spread);
* the batch's bookkeeping: one append to ``audit.processed_files`` (crash safety
  needs at least the one commit that records the batch's deliveries).

No JSON is read, no increment computed, no contract checked, no batch bookkept, and
the writes ignore the order the pipeline imposes, so a real run can only take longer.
Tables a 1% batch may leave as they are are left out (the rejected-record tables, the
load report, ``dim_date``). The same process then makes the same writes into a
second copy: what they cost once the JVM is warm (a long-lived cluster's case).

With ``--full-input`` (the deliveries the warehouse was built from), each replay is
paired with a full refresh of them in a new ``kedro run`` process just before it, as
``run_benchmark.py`` runs it, so that the ratio compares runs on the machine in the
same state (its speed drifts by 10-20% within a session and between sessions).

Prints each table's median seconds in both passes, the wall time of the first pass
from the start of the process and, with ``--full-input``, each pair's ratio.

    python benchmarks/write_floor.py --warehouse /tmp/mm-bench/wh_1000000 \\
        --full-input /tmp/mm-bench/in_1000000 --workdir /tmp/mm-floor --repeat 3
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before anything is imported: the process's whole cost

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from delta.tables import DeltaTable  # noqa: E402
from kedro.config import OmegaConfigLoader  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402
from run_benchmark import kedro_run  # noqa: E402

from motors_meetup.contracts.registry import contract_for  # noqa: E402
from motors_meetup.contracts.validation import unique_keys  # noqa: E402
from motors_meetup.spark import build_spark_session  # noqa: E402
from motors_meetup.warehouse import catalog_dir, project_config  # noqa: E402

LAYERS = ("raw", "staging", "intermediate", "marts", "audit")
# Written by a 1% batch only when it holds bad records, or not at all, or bookkeeping
# a design could fold into the one commit that records the batch's deliveries: left
# out, so the floor stays a floor.
LEFT_OUT = {"raw.raw_load_report", "marts.dim_date"}
BOOKKEEPING = {"audit.processed_files"}
SAMPLE_BUCKETS = 100


@dataclass(frozen=True)
class Write:
    """One table's write in the replay: ``append``, ``merge`` or ``overwrite``."""

    dataset: str
    path: str
    how: str
    key: tuple[str, ...]

    @property
    def table(self) -> str:
        return self.dataset.split(".", 1)[1]


def planned_writes(
    warehouse: Path, loader: OmegaConfigLoader | None = None
) -> list[Write]:
    """The writes a 1% batch must make, in layer order."""
    loader = loader or project_config()
    catalog, schemas = loader["catalog"], loader["globals"]["schemas"]
    root = catalog_dir(loader, warehouse)
    writes = []
    for layer in LAYERS:
        folder = root / schemas[layer]
        for table_dir in sorted(p.parent for p in folder.glob("*/_delta_log")):
            dataset = f"{layer}.{table_dir.name}"
            if dataset in LEFT_OUT or dataset.endswith("_rejected"):
                continue
            if layer == "audit" and dataset not in BOOKKEEPING:
                continue
            entry = catalog.get(dataset, {})
            contract = contract_for(dataset)
            key = tuple(unique_keys(contract.to_schema())) if contract else ()
            key = key or tuple(filter(None, [entry.get("primary_key")]))
            how = _how(layer, entry.get("write_mode"), key)
            writes.append(Write(dataset, str(table_dir), how, key))
    return writes


def _how(layer: str, write_mode: str | None, key: tuple[str, ...]) -> str:
    if layer in ("raw", "audit") or not key:
        return "append"
    if layer == "marts" and write_mode != "merge":
        return "overwrite"
    return "merge"


def _session(warehouse: Path, loader: OmegaConfigLoader) -> SparkSession:
    options = dict(loader["spark"])
    options["spark.sql.warehouse.dir"] = str(warehouse / "spark-warehouse")
    return build_spark_session(options)


def prepare(warehouse: Path, workdir: Path) -> None:
    """Store each table's 1% rows (and each overwritten mart's rows) as parquet."""
    loader = project_config()
    writes = planned_writes(warehouse, loader)
    if not writes:
        root = catalog_dir(loader, warehouse)
        raise SystemExit(
            f"No Delta table under {root}/<schema>/ for this user's schemas "
            f"({', '.join(loader['globals']['schemas'][layer] for layer in LAYERS)}): "
            "is it a warehouse built by `kedro run` as the same MOTORS_MEETUP_USER?"
        )
    spark = _session(warehouse, loader)
    for write in writes:
        table = spark.read.format("delta").load(write.path)
        key = write.key or (table.columns[0],)
        bucket = F.pmod(F.xxhash64(*key), F.lit(SAMPLE_BUCKETS))
        table.where(bucket == 0).write.parquet(str(workdir / "rows" / write.table))
        if write.how == "overwrite":
            table.write.parquet(str(workdir / "all_rows" / write.table))
        print(f"  prepared {write.dataset} ({write.how})", flush=True)  # noqa: T201


COPIES = ("cold", "warm")  # the replay's two passes, each on its own copy


def replay(workdir: Path, threads: int) -> None:
    """Write into the ``cold`` copy, then into the ``warm`` one with the same JVM.

    Prints one JSON line: the cold pass's seconds from the start of the process, the
    warm pass's own seconds, and each table's seconds in each pass.
    """
    loader = project_config()  # once, as a run does; both passes' writes planned
    plans = {copy: planned_writes(workdir / copy, loader) for copy in COPIES}
    spark = _session(workdir / COPIES[0], loader)
    session_s = time.perf_counter() - STARTED

    def run(write: Write) -> tuple[str, dict]:
        started = time.perf_counter()
        rows = spark.read.parquet(str(workdir / "rows" / write.table))
        if write.how == "append":
            rows.write.format("delta").mode("append").save(write.path)
        elif write.how == "overwrite":
            every_row = spark.read.parquet(str(workdir / "all_rows" / write.table))
            every_row.write.format("delta").mode("overwrite").save(write.path)
        else:
            on = " AND ".join(f"t.`{c}` = s.`{c}`" for c in write.key)
            target = DeltaTable.forPath(spark, write.path).alias("t")
            merge = target.merge(rows.alias("s"), on).whenMatchedUpdateAll()
            merge.whenNotMatchedInsertAll().execute()
        return write.dataset, {"how": write.how, "s": time.perf_counter() - started}

    report: dict[str, object] = {"session_s": session_s}
    for copy in COPIES:
        started = STARTED if copy == COPIES[0] else time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            tables = dict(pool.map(run, plans[copy]))
        report[copy] = {"total_s": time.perf_counter() - started, "tables": tables}
    print(json.dumps(report))  # noqa: T201


def _subprocess(stage: str, workdir: Path, threads: int, *extra: str) -> str:
    command = [sys.executable, __file__, "--stage", stage, "--workdir", str(workdir)]
    command += ["--threads", str(threads), *extra]
    # stderr is left to the terminal: the stage's own error says what went wrong.
    done = subprocess.run(command, check=False, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"write_floor: the {stage} stage failed ({done.returncode})")
    return done.stdout


def main() -> None:
    """Prepare once, replay ``--repeat`` times on fresh copies, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--full-input", type=Path)
    parser.add_argument("--stage", choices=("all", "prepare", "replay"), default="all")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(args.warehouse, args.workdir)
        return
    if args.stage == "replay":
        replay(args.workdir, args.threads)
        return
    if args.warehouse is None:
        parser.error("--warehouse is required")

    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    print(f"Preparing 1% of each table of {args.warehouse} ...", flush=True)  # noqa: T201
    prepared = _subprocess(
        "prepare", args.workdir, 1, "--warehouse", str(args.warehouse)
    )
    print(prepared, end="")  # noqa: T201
    runs = []
    for number in range(1, args.repeat + 1):
        full_s = (
            _full_refresh(args.full_input, args.workdir) if args.full_input else None
        )
        for copy in COPIES:
            shutil.rmtree(args.workdir / copy, ignore_errors=True)
            shutil.copytree(args.warehouse, args.workdir / copy)
        stdout = _subprocess("replay", args.workdir, args.threads)
        runs.append({**json.loads(stdout.strip().splitlines()[-1]), "full_s": full_s})
        print(f"replay {number}: {_describe(runs[-1])}", flush=True)  # noqa: T201
    for copy in COPIES:
        shutil.rmtree(args.workdir / copy, ignore_errors=True)
    _print_table(runs, args.threads)


def _full_refresh(input_dir: Path, workdir: Path) -> float:
    """Seconds of a full refresh of ``input_dir`` into a new warehouse (a process)."""
    warehouse = workdir / "full_refresh"
    shutil.rmtree(warehouse, ignore_errors=True)
    seconds = kedro_run(
        input_dir, warehouse, True, workdir / "full_refresh.json"
    ).seconds
    shutil.rmtree(warehouse, ignore_errors=True)
    return seconds


def _describe(run: dict) -> str:
    cold = run["cold"]["total_s"]
    text = (
        f"{cold:.1f} s in a new process (Spark session ready at "
        f"{run['session_s']:.1f} s), {run['warm']['total_s']:.1f} s again in the "
        "same JVM"
    )
    if run["full_s"]:
        ratio = cold / run["full_s"]
        text += f"; full refresh just before: {run['full_s']:.1f} s, ratio {ratio:.2f}"
    return text


def _print_table(runs: list[dict], threads: int) -> None:
    def median(copy: str, dataset: str | None = None) -> float:
        if dataset is None:
            return statistics.median(run[copy]["total_s"] for run in runs)
        return statistics.median(run[copy]["tables"][dataset]["s"] for run in runs)

    header = f"{'table':<44} {'write':>9} {'new JVM s':>10} {'warm JVM s':>11}"
    print(f"\n{header}")  # noqa: T201
    for dataset, first in runs[0]["cold"]["tables"].items():
        print(  # noqa: T201
            f"{dataset:<44} {first['how']:>9} "
            f"{median('cold', dataset):>10.1f} {median('warm', dataset):>11.1f}"
        )
    print(  # noqa: T201
        f"\nmedians of {len(runs)}, {threads} threads: a new process, start to last "
        f"commit, {median('cold'):.1f} s; the same writes in the warm JVM "
        f"{median('warm'):.1f} s"
    )
    if runs[0]["full_s"]:
        ratios = [run["cold"]["total_s"] / run["full_s"] for run in runs]
        fulls = statistics.median(run["full_s"] for run in runs)
        print(  # noqa: T201
            f"full refresh {fulls:.1f} s (median); floor / full refresh, pair by "
            f"pair: {', '.join(f'{r:.2f}' for r in ratios)} "
            f"(median {statistics.median(ratios):.2f})"
        )


if __name__ == "__main__":
    main()
