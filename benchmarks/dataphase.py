"""Where a day's data phase goes, per gold job: from Spark's event log of a warm run.

Seeds (or reuses) one day of silver, runs the day once to warm the JVM, then once more with
Spark's event log on, every Spark job labelled with the step it belongs to: the silver of each
fact table (read, current versions, validity, into the cache) and the dimensions first, each
on its own, then each gold job alone. Prints per step its wall time, stages, tasks, rows and
bytes read, shuffle bytes, spill, and the operators that cost most (SQL metrics), beside the
minimum the step needs (the rows it must read).

    python benchmarks/dataphase.py [--orders 100000] [--keep-log DIR] [--quick]

The last line is JSON: per step its wall and CPU seconds, stages and shuffle bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.eventlog import Step, read_event_log
from benchmarks.run import LAST_DAY, home_of, lakehouse, seed
from goldpipe.core.contract import JOB_NAMES, job_inputs
from goldpipe.lakehouse.config import spark_catalog_conf
from goldpipe.lakehouse.jars import local_jars

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def profiled_day(spark: object, catalog: str, run_id: str) -> dict[str, float]:
    """The pipeline's day, one labelled step at a time; wall seconds per step."""
    from pyspark import StorageLevel
    from pyspark.sql import SparkSession

    from goldpipe.core.contract import DIMENSION_TABLES, FACT_TABLES
    from spark_apps import gold, silver
    from spark_apps.pipeline import (
        DaySilver,
        classify_facts,
        current_dimension,
        job_output,
    )

    assert isinstance(spark, SparkSession)
    context = spark.sparkContext
    inputs = job_inputs(JOB_NAMES)
    branch = f"profile-{run_id}"
    walls: dict[str, float] = {}

    def step(label: str, action: object) -> None:
        context.setJobDescription(label)
        started = time.monotonic()
        action()  # type: ignore[operator]
        walls[label] = time.monotonic() - started

    gold.ensure_tables(spark, catalog, JOB_NAMES)
    for job in JOB_NAMES:
        gold.create_branch(spark, catalog, job, branch)
    raw = {n: silver.read_day(spark, catalog, n, LAST_DAY) for n in inputs if n in FACT_TABLES}
    classified = classify_facts(raw)
    dimensions = {n: current_dimension(spark, catalog, n) for n in DIMENSION_TABLES}
    frames = [f.persist(StorageLevel.MEMORY_AND_DISK) for f in (*classified.values(), *dimensions.values())]
    for name, frame in {**classified, **dimensions}.items():
        step(f"silver {name}", frame.count)
    day_silver = DaySilver(classified, dimensions)
    for job in JOB_NAMES:
        step(
            f"job {job}",
            lambda job=job: gold.write_days(
                job_output(job, day_silver, LAST_DAY),
                catalog=catalog,
                table=job,
                branch=branch,
                days=(LAST_DAY,),
                run_id=run_id,
            ),
        )
    context.setJobDescription(None)  # type: ignore[arg-type]
    for frame in frames:
        frame.unpersist()
    return walls


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=100_000, help="orders of the day (~10 events each)")
    parser.add_argument("--reseed", action="store_true", help="seed again even if the lakehouse exists")
    parser.add_argument("--keep-log", type=Path, default=None, help="keep the event log in this directory")
    parser.add_argument("--conf", action="append", default=[], help="extra Spark conf key=value")
    parser.add_argument("--jar", action="append", type=Path, default=[], help="an extra jar (a Spark plugin)")
    parser.add_argument("--quick", action="store_true", help="a toy day: checks the script works, no figures")
    args = parser.parse_args()
    if args.quick:
        args.orders, args.reseed = 50, True

    cfg = lakehouse(f"profile-{args.orders}", "lake")
    if args.reseed or not (home_of(cfg) / "catalog.db").exists():
        seed(cfg, 1, args.orders)
    log_dir = args.keep_log or Path(tempfile.mkdtemp(prefix="goldpipe-eventlog-"))
    log_dir.mkdir(parents=True, exist_ok=True)

    from spark_apps.session import local_session

    extra = dict(kv.split("=", 1) for kv in args.conf)

    def session(conf: dict[str, str]) -> SparkSession:
        return local_session(
            {**spark_catalog_conf(cfg), **extra, **conf},
            [*local_jars(), *args.jar],
            app_name="goldpipe-profile",
            driver_memory="2g",
        )

    # Branches of their own per invocation: a branch cannot be cut again from a main without a
    # snapshot (a lakehouse whose gold only ever had profile runs).
    stamp = time.strftime("%Y%m%dt%H%M%S")
    spark = session({})
    profiled_day(spark, cfg.name, f"warmup-{stamp}")
    spark.stop()
    # The same JVM cannot switch its event log on; a second session in it can, and the JIT's
    # work of the first run stays (the classes and compiled code belong to the JVM).
    event_log = {"spark.eventLog.enabled": "true", "spark.eventLog.dir": log_dir.as_uri()}
    spark = session({**event_log, "spark.eventLog.compress": "false"})
    walls = profiled_day(spark, cfg.name, f"measured-{stamp}")
    spark.stop()
    steps = read_event_log(log_dir)
    print_table(steps, walls)
    summary = {label: _figures(wall, steps.get(label, Step())) for label, wall in walls.items()}
    print(json.dumps(summary))
    return 0


def _figures(wall: float, step: Step) -> dict[str, float]:
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(step.cpu_ms / 1000, 3),
        "stages": step.stages,
        "shuffle_bytes": step.shuffle_write_bytes,
    }


def print_table(steps: dict[str, Step], walls: dict[str, float]) -> None:
    mib = 1024 * 1024
    print(
        f"{'step':<38} {'wall s':>6} {'task s':>6} {'CPU s':>6} {'stages':>6} {'tasks':>5} {'rows in':>10} "
        f"{'MiB in':>7} {'shuffle MiB':>11} {'spill MiB':>9}  costliest operators (task s)"
    )
    for label, wall in walls.items():
        s = steps.get(label, Step())
        top = ", ".join(f"{name} {sec:.1f}" for name, sec in s.top_operators(3))
        print(
            f"{label:<38} {wall:6.2f} {s.run_ms / 1000:6.2f} {s.cpu_ms / 1000:6.2f} {s.stages:6d} {s.tasks:5d} {s.rows_in:10,d} "
            f"{s.bytes_in / mib:7.1f} {s.shuffle_write_bytes / mib:11.1f} {s.spill_bytes / mib:9.1f}  {top}"
        )


if __name__ == "__main__":
    sys.exit(main())
