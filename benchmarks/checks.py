"""Benchmarks of the audit (Write-Audit-Publish), as ratios within one invocation.

(d) check time for one day at 10x the data vs 1x: the metadata-based checks (schema,
    completeness, freshness) should stay within 2x; the full suite is reported beside them
    (uniqueness and reconciliation read the day's data, so they grow with it).
(e) latency from a run reaching COMPLETED to its results posted (label on the
    SparkApplication), through the real controller loop polling every 2 s, with FakeKube
    standing in for the API server and real Iceberg tables: median over several runs
    (goal <= 5 s).

    python benchmarks/checks.py [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from goldpipe.checks.config import CHECK_NAMES  # noqa: E402
from goldpipe.checks.runner import CheckTarget, run_checks  # noqa: E402
from goldpipe.core.contract import JOB_NAMES  # noqa: E402
from goldpipe.core.names import branch_name  # noqa: E402
from goldpipe.lakehouse.catalog import load_catalog  # noqa: E402
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded  # noqa: E402
from goldpipe.seed import seed_silver  # noqa: E402
from tests.support.checks import chart_checks  # noqa: E402
from tests.support.reference_run import write_reference_run  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"
DAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 21, 3, tzinfo=dt.UTC)
METADATA_CHECKS = ("schema", "completeness", "freshness")


def lake(name: str, orders: int, days: int = 1) -> Any:
    root = WORK / name
    shutil.rmtree(root, ignore_errors=True)
    catalog = load_catalog(resolve_embedded(CatalogConfig(), root), create=True)
    seed_silver(
        catalog,
        days=days,
        end_date=DAY,
        orders_per_day=orders,
        seed=11,
        replace=False,
        progress=lambda _: None,
    )
    return catalog


def time_checks(catalog: Any, run_id: str, repeats: int) -> tuple[float, float]:
    """Median seconds of (metadata checks only, the full suite) on the run's branch."""
    full = chart_checks()
    only_metadata = chart_checks(
        {"defaults": {n: {"enabled": n in METADATA_CHECKS} for n in CHECK_NAMES}},
        JOB_NAMES,
    )
    target = CheckTarget(jobs=JOB_NAMES, days=(DAY,), ref=branch_name(run_id), run_id=run_id)
    timings: dict[str, list[float]] = {"metadata": [], "full": []}
    for _ in range(repeats):
        for label, config in (("metadata", only_metadata), ("full", full)):
            started = time.perf_counter()
            run_checks(catalog, target, config, now=NOW, history=lambda *_: {})
            timings[label].append(time.perf_counter() - started)
    return statistics.median(timings["metadata"]), statistics.median(timings["full"])


def latency(catalog: Any, runs: int, poll: float) -> list[float]:
    """Seconds from COMPLETED to the posted label, through the controller's own loop."""
    sys.path.insert(0, str(ROOT))
    from goldpipe.controller.runtime import Controller, run_forever
    from goldpipe.deploy.release import derive_release
    from goldpipe.deploy.values import chart_metadata, chart_values
    from goldpipe.deploy.vocabulary import SPARK_APPS
    from tests.fakes.kube import FakeKube
    from tests.goldpipe.controller.conftest import write_config

    config_dir = WORK / "controller-config"
    shutil.rmtree(config_dir, ignore_errors=True)
    values = chart_values(None)
    write_config(config_dir, values)
    derive_release(values, release_name="goldpipe", namespace="analytics", chart=chart_metadata())
    kube = FakeKube()
    kube.add_configmap("goldpipe-config")
    controller = Controller(kube=kube, config_dir=config_dir, catalog=lambda _: catalog, clock=lambda: NOW)
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        kwargs={
            "controller": controller,
            "resync_seconds": 3600,
            "port": 0,
            "host": "127.0.0.1",
            "poll_seconds": poll,
            "stop": stop,
        },
        daemon=True,
    )
    thread.start()
    samples = []
    jobs = ",".join(JOB_NAMES)
    try:
        for i in range(runs):
            name = f"goldpipe-nightly-{i}"
            write_reference_run(catalog, name, (DAY,), computed_at=NOW)
            kube.objects.setdefault(SPARK_APPS, {})[name] = {
                "metadata": {
                    "name": name,
                    "labels": {
                        "app.kubernetes.io/instance": "goldpipe",
                        "app.kubernetes.io/component": "gold-job",
                    },
                },
                "spec": {"arguments": ["--jobs", jobs, "--date", "auto", "--no-publish"]},
                "status": {"applicationState": {"state": "RUNNING"}},
            }
            time.sleep(poll * 1.37)  # land at a random point of the polling cycle
            completed = time.perf_counter()
            kube.set_state(SPARK_APPS, name, "COMPLETED", terminationTime=NOW.isoformat())
            while "goldpipe.io/checks" not in kube.objects[SPARK_APPS][name]["metadata"].get("labels", {}):
                time.sleep(0.02)
            samples.append(time.perf_counter() - completed)
    finally:
        stop.set()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny scales: checks the script works")
    parser.add_argument("--orders", type=int, default=10_000, help="orders/day at 1x")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-runs", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.orders, args.repeats, args.latency_runs = 20, 1, 2

    print(f"(d) checks at 1x ({args.orders:,} orders/day) and 10x ...", flush=True)
    small, big = lake("checks-1x", args.orders), lake("checks-10x", args.orders * 10)
    for catalog in (small, big):
        write_reference_run(catalog, "bench", (DAY,), computed_at=NOW)
    meta_1x, full_1x = time_checks(small, "bench", args.repeats)
    meta_10x, full_10x = time_checks(big, "bench", args.repeats)
    print(
        f"    metadata checks {meta_1x:.2f}s -> {meta_10x:.2f}s: ratio {meta_10x / meta_1x:.2f} (goal <= 2)"
    )
    print(f"    full suite      {full_1x:.2f}s -> {full_10x:.2f}s: ratio {full_10x / full_1x:.2f}")

    print("(e) COMPLETED -> results posted, controller polling every 2 s ...", flush=True)
    samples = latency(small, args.latency_runs, poll=2.0)
    print(
        f"    median {statistics.median(samples):.2f}s, max {max(samples):.2f}s over {len(samples)} runs (goal <= 5 s)"
    )
    results = {
        "checks": {
            "orders_per_day_1x": args.orders,
            "metadata_1x_s": meta_1x,
            "metadata_10x_s": meta_10x,
            "metadata_ratio": meta_10x / meta_1x,
            "full_1x_s": full_1x,
            "full_10x_s": full_10x,
            "full_ratio": full_10x / full_1x,
        },
        "latency_s": samples,
    }
    print(
        json.dumps(
            {
                "metadata_ratio": round(meta_10x / meta_1x, 3),
                "latency_median_s": round(statistics.median(samples), 3),
            }
        )
    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
