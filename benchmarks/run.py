"""goldpipe benchmarks: ratios measured within one invocation, never absolute timing goals.

(a) history: one day's run with 30 days of silver history vs with 1 day (same last day).
    A daily run must not get slower as history grows.
(b) cold: one day of `goldpipe run-local` in a new process (JVM and Spark start, the four jobs,
    the audit, the publish: what a nightly SparkApplication pays) vs DuckDB computing the same
    four tables from the same Iceberg files in a new process, at 100k orders / ~1M events
    and at 1k orders; with the phases of the goldpipe run. The warm figure (the jobs alone in
    a running session) is a secondary goal. The last lines are the figures beside their goals
    (`benchmarks/goals.py`).
(c) memory: peak RSS of the driver JVM and of the DuckDB process in the large cold run.

    python benchmarks/run.py [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cold import compare_cold, print_phases
from benchmarks.goals import GOALS, print_goal_table
from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.dates import DateSpec
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded, spark_catalog_conf
from goldpipe.lakehouse.jars import local_jars

LAST_DAY = dt.date(2026, 11, 20)
WORK = Path(__file__).resolve().parent / ".work"


def lakehouse(name: str, catalog_name: str) -> CatalogConfig:
    root = WORK / name
    return resolve_embedded(CatalogConfig(name=catalog_name), root)


def home_of(cfg: CatalogConfig) -> Path:
    return Path(cfg.uri.removeprefix("jdbc:sqlite:")).parent


def seed(cfg: CatalogConfig, days: int, orders_per_day: int) -> int:
    """Seed ``days`` days of silver ending with LAST_DAY; the events of the last day."""
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.seed import seed_silver

    shutil.rmtree(home_of(cfg), ignore_errors=True)
    started = time.monotonic()
    catalog = load_catalog(cfg, create=True)
    seed_silver(
        catalog,
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
    from goldpipe.lakehouse.silver_tables import day_rows

    return day_rows(catalog, LAST_DAY, ("events",)) or 0


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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny scales: checks the script works, no figures"
    )
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--history-orders", type=int, default=20_000, help="orders/day for benchmark (a)")
    parser.add_argument("--engine-orders", type=int, default=100_000, help="orders/day of (b)'s large day")
    parser.add_argument("--small-orders", type=int, default=1_000, help="orders/day of (b)'s small day")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.history_days, args.history_orders, args.engine_orders, args.small_orders = 3, 50, 200, 20
        args.repeats = 1

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    long_cfg = lakehouse("history-long", "hist_long")
    short_cfg = lakehouse("history-short", "hist_short")
    # (b) runs `goldpipe run-local` with the chart's values: the catalog is the chart's "lake".
    engine_cfg = lakehouse("engines", "lake")
    small_cfg = lakehouse("small-day", "lake")
    print("seeding ...", flush=True)
    seed(long_cfg, args.history_days, args.history_orders)
    seed(short_cfg, 1, args.history_orders)
    seed(engine_cfg, 1, args.engine_orders)
    seed(small_cfg, 1, args.small_orders)
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "arch": platform.machine()},
        "args": vars(args),
    }

    print("(b) cold: goldpipe run-local (jobs + audit + publish) vs DuckDB, new processes ...", flush=True)
    cold_ratios = {}
    for label, cfg in (("large", engine_cfg), ("small", small_cfg)):
        orders = args.engine_orders if label == "large" else args.small_orders
        print(f"  {label} day ({orders:,} orders):", flush=True)
        comparison = compare_cold(home_of(cfg), LAST_DAY, args.repeats, label, warm_up=not args.quick)
        print(
            f"    goldpipe {comparison.goldpipe_s:.1f}s vs DuckDB {comparison.duckdb_s:.2f}s "
            f"-> ratio {comparison.ratio:.1f} (goal <= {GOALS[f'cold_{label}_ratio'][1]:g})",
            flush=True,
        )
        print_phases(comparison)
        results[f"cold_{label}"] = {"orders_per_day": orders, **comparison.as_dict()}
        cold_ratios[label] = comparison.ratio

    from spark_apps.session import local_session

    conf: dict[str, str] = {}
    for cfg in (long_cfg, short_cfg, engine_cfg):
        conf.update(spark_catalog_conf(cfg))
    spark = local_session(
        conf, local_jars(), app_name="goldpipe-bench", shuffle_partitions=4, driver_memory="4g"
    )
    runs = [0]

    print("(a) one day with long vs short silver history (warm session) ...", flush=True)
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
        f"{statistics.median(short_times):.2f}s -> ratio {ratio_a:.2f} (goal <= {GOALS['history_ratio'][1]:g})",
        flush=True,
    )

    print(
        "(b) warm, secondary: the Spark jobs alone in a running session vs DuckDB in-process ...", flush=True
    )
    spark_day(spark, engine_cfg, runs)  # warm-up
    spark_s, spark_times = median_time(lambda: spark_day(spark, engine_cfg, runs), args.repeats)
    duckdb_day(engine_cfg)  # warm-up (file cache)
    duck_s, duck_times = median_time(lambda: duckdb_day(engine_cfg), args.repeats)
    ratio_warm = spark_s / duck_s
    results["engines_warm"] = {
        "orders_per_day": args.engine_orders,
        "spark_s": spark_times,
        "duckdb_s": duck_times,
        "ratio": ratio_warm,
    }
    print(
        f"    Spark {spark_s:.2f}s vs DuckDB {duck_s:.2f}s -> ratio {ratio_warm:.2f} "
        f"(goal <= {GOALS['warm_ratio'][1]:g})",
        flush=True,
    )
    spark.stop()

    large = results["cold_large"]
    print(
        f"(c) peak RSS of the large cold day: driver JVM {large['goldpipe_peak_rss_mib']:.0f} MiB, "
        f"DuckDB process {large['duckdb_peak_rss_mib']:.0f} MiB",
        flush=True,
    )
    figures = {
        "history_ratio": round(ratio_a, 3),
        "cold_large_ratio": round(cold_ratios["large"], 3),
        "cold_small_ratio": round(cold_ratios["small"], 3),
        "warm_ratio": round(ratio_warm, 3),
    }
    print_goal_table(figures)
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
