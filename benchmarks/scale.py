"""How a cold day's run grows with the day: 1k, 100k and 500k orders (~10k, ~1M, ~5M events).

One cold `goldpipe run-local` per size (JVM and Spark start, the four jobs, the audit, the
publish), its time and the peak RSS of the driver JVM, next to DuckDB on the same files.

    python benchmarks/scale.py [--orders 1000,100000,500000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cold import duckdb_cold, goldpipe_cold
from benchmarks.run import LAST_DAY, home_of, lakehouse, seed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", default="1000,100000,500000", help="orders per day, comma-separated")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    results = []
    print(
        f"{'orders/day':>10}  {'events':>10}  {'goldpipe s':>10}  {'driver MiB':>10}  {'DuckDB s':>8}",
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
            f"{orders:>10,}  {events:>10,}  {run.seconds:>10.1f}  {run.peak_rss_mib:>10.0f}  {duck.seconds:>8.2f}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
