"""How a cold day's run grows with the day: by default 1k, 100k, 500k and 1M orders (~10k, ~1M,
~5M, ~10M events).

One cold `goldpipe run-local` per size (JVM and Spark start, the four jobs, the audit, the
publish), its time and the peak RSS of the driver JVM, next to DuckDB on the same files; the
~5M-event day's figures beside their goals (`benchmarks/goals.py`). The driver has a 2 GiB
heap (``GOLDPIPE_SPARK_DRIVER_MEMORY`` changes it) and, on a day large enough for native
execution, Comet's 2 GiB off the heap.

    python benchmarks/scale.py [--orders 1000,100000,500000,1000000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cold import duckdb_cold, goldpipe_cold
from benchmarks.goals import print_goal_table
from benchmarks.run import LAST_DAY, home_of, lakehouse, seed
from spark_apps.pipeline import DATA_PHASE

FIVE_MILLION_EVENTS_ORDERS = 500_000  # ~10 events per order


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--orders", default="1000,100000,500000,1000000", help="orders per day, comma-separated"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    results = []
    five_m: dict[str, float] = {}
    print(
        f"{'orders/day':>10}  {'events':>10}  {'goldpipe s':>10}  {'data s':>7}  {'driver MiB':>10}"
        f"  {'DuckDB s':>8}  {'ratio':>5}",
        flush=True,
    )
    for orders in (int(n) for n in args.orders.split(",")):
        cfg = lakehouse(f"scale-{orders}", "lake")
        events = seed(cfg, 1, orders)
        duckdb_cold(home_of(cfg), LAST_DAY)  # file cache
        run = goldpipe_cold(home_of(cfg), LAST_DAY, f"scale-{orders}")
        duck = duckdb_cold(home_of(cfg), LAST_DAY)
        results.append(
            {
                "orders": orders,
                "events": events,
                "goldpipe_s": run.seconds,
                "driver_peak_rss_mib": run.peak_rss_mib,
                "duckdb_s": duck.seconds,
                "phases": run.phases,
            }
        )
        print(
            f"{orders:>10,}  {events:>10,}  {run.seconds:>10.1f}  {run.phases.get(DATA_PHASE, 0.0):>7.1f}"
            f"  {run.peak_rss_mib:>10.0f}  {duck.seconds:>8.2f}  {run.seconds / duck.seconds:>5.1f}",
            flush=True,
        )
        if orders == FIVE_MILLION_EVENTS_ORDERS:
            five_m = {
                "cold_5m_ratio": run.seconds / duck.seconds,
                "driver_5m_gib": run.peak_rss_mib / 1024,
            }
    if five_m:
        print_goal_table(five_m)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
