"""goldpipe benchmarks: ratios measured within one invocation, never absolute timing goals.

(a) history: one day's run with 30 days of silver history vs with 1 day (same last day).
    A daily run must not get slower as history grows (goal: ratio <= 1.3).
(b) engines: the Spark jobs for one day at 100k orders / ~1M events vs DuckDB computing the
    same outputs from the same Iceberg files (goal: Spark within 4x of DuckDB on 2 cores).
(c) memory: peak RSS of the Spark driver JVM and of the Python process.

    python benchmarks/run.py [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.dates import DateSpec
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded, spark_catalog_conf
from goldpipe.lakehouse.jars import local_jars

LAST_DAY = dt.date(2026, 11, 20)
WORK = Path(__file__).resolve().parent / ".work"


def lakehouse(name: str, catalog_name: str) -> CatalogConfig:
    root = WORK / name
    return resolve_embedded(CatalogConfig(name=catalog_name), root)


def seed(cfg: CatalogConfig, days: int, orders_per_day: int) -> None:
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.seed import seed_silver

    root = Path(cfg.uri.removeprefix("jdbc:sqlite:")).parent
    shutil.rmtree(root, ignore_errors=True)
    started = time.monotonic()
    seed_silver(
        load_catalog(cfg, create=True),
        days=days,
        end_date=LAST_DAY,
        orders_per_day=orders_per_day,
        seed=42,
        replace=True,
        progress=lambda _: None,
    )
    print(
        f"  seeded {cfg.name}: {days} day(s) x {orders_per_day:,} orders in {time.monotonic() - started:.1f}s",
        flush=True,
    )


def median_time(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def spark_day(spark: Any, cfg: CatalogConfig, run_no: list[int]) -> None:
    from spark_apps.pipeline import RunRequest, run

    run_no[0] += 1
    request = RunRequest(
        jobs=JOB_NAMES, dates=DateSpec((LAST_DAY,)), run_id=f"bench-{run_no[0]}", catalog=cfg.name
    )
    run(spark, request, progress=lambda _: None)


def duckdb_day(cfg: CatalogConfig) -> None:
    import duckdb

    from goldpipe.checks.reference.gold import compute_gold
    from goldpipe.checks.reference.silver import register_silver
    from goldpipe.lakehouse.catalog import load_catalog

    con = duckdb.connect(config={"threads": 2})
    try:
        register_silver(con, load_catalog(cfg), LAST_DAY)
        compute_gold(con, LAST_DAY)
    finally:
        con.close()


def jvm_peak_rss_mib(spark: Any) -> float | None:
    """VmHWM of the driver JVM (local mode: the gateway process pyspark started)."""
    proc = getattr(spark.sparkContext._gateway, "proc", None)
    if proc is None:
        return None
    try:
        status = Path(f"/proc/{proc.pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny scales: checks the script works, no figures"
    )
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--history-orders", type=int, default=20_000, help="orders/day for benchmark (a)")
    parser.add_argument("--engine-orders", type=int, default=100_000, help="orders/day for benchmark (b)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.history_days, args.history_orders, args.engine_orders, args.repeats = 3, 50, 200, 1

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    long_cfg = lakehouse("history-long", "hist_long")
    short_cfg = lakehouse("history-short", "hist_short")
    engine_cfg = lakehouse("engines", "engines")
    print("seeding ...", flush=True)
    seed(long_cfg, args.history_days, args.history_orders)
    seed(short_cfg, 1, args.history_orders)
    seed(engine_cfg, 1, args.engine_orders)

    from spark_apps.session import local_session

    conf: dict[str, str] = {}
    for cfg in (long_cfg, short_cfg, engine_cfg):
        conf.update(spark_catalog_conf(cfg))
    spark = local_session(
        conf, local_jars(), app_name="goldpipe-bench", shuffle_partitions=4, driver_memory="4g"
    )
    runs = [0]
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "arch": platform.machine()},
        "args": vars(args),
    }

    print("(a) one day with long vs short silver history ...", flush=True)
    spark_day(spark, short_cfg, runs)  # warm-up: JIT, class loading, catalog connections
    long_times, short_times = [], []
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits both sides
        long_times.append(median_time(lambda: spark_day(spark, long_cfg, runs), 1)[0])
        short_times.append(median_time(lambda: spark_day(spark, short_cfg, runs), 1)[0])
    ratio_a = statistics.median(long_times) / statistics.median(short_times)
    results["history"] = {
        "days": args.history_days,
        "orders_per_day": args.history_orders,
        "long_s": long_times,
        "short_s": short_times,
        "ratio": ratio_a,
    }
    print(
        f"    {args.history_days}-day history {statistics.median(long_times):.2f}s vs 1-day "
        f"{statistics.median(short_times):.2f}s -> ratio {ratio_a:.2f} (goal <= 1.3)",
        flush=True,
    )

    print("(b) Spark vs DuckDB, one day ...", flush=True)
    spark_day(spark, engine_cfg, runs)  # warm-up
    spark_s, spark_times = median_time(lambda: spark_day(spark, engine_cfg, runs), args.repeats)
    duckdb_day(engine_cfg)  # warm-up (file cache)
    duck_s, duck_times = median_time(lambda: duckdb_day(engine_cfg), args.repeats)
    ratio_b = spark_s / duck_s
    results["engines"] = {
        "orders_per_day": args.engine_orders,
        "spark_s": spark_times,
        "duckdb_s": duck_times,
        "ratio": ratio_b,
    }
    print(f"    Spark {spark_s:.2f}s vs DuckDB {duck_s:.2f}s -> ratio {ratio_b:.2f} (goal <= 4)", flush=True)

    jvm = jvm_peak_rss_mib(spark)
    python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results["memory"] = {"driver_jvm_peak_rss_mib": jvm, "python_peak_rss_mib": python_peak}
    print(
        f"(c) peak RSS: driver JVM {jvm if jvm is None else round(jvm)} MiB, Python {python_peak:.0f} MiB",
        flush=True,
    )
    spark.stop()
    print(json.dumps({"history_ratio": round(ratio_a, 3), "spark_vs_duckdb_ratio": round(ratio_b, 3)}))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
