"""The DuckDB reference side of benchmark (b), as its own process (a cold start, like goldpipe's).

Plans the day's silver files with pyiceberg, computes the four gold tables of the data contract
with DuckDB (``goldpipe.checks.reference``) and writes each as Parquet: the same inputs and
outputs as one day of ``goldpipe run-local``, without the catalog commits.

    GOLDPIPE_HOME=... python benchmarks/duckdb_gold.py --date 2026-11-20 --out DIR
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import duckdb
    import pyarrow.parquet as pq

    from goldpipe.checks.reference.gold import compute_gold
    from goldpipe.checks.reference.silver import register_silver
    from goldpipe.deploy.settings import load_settings
    from goldpipe.lakehouse.catalog import load_catalog

    args.out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"threads": args.threads})
    try:
        register_silver(con, load_catalog(load_settings(None).catalog), args.date)
        for table, rows in compute_gold(con, args.date).items():
            pq.write_table(rows, args.out / f"{table}.parquet")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
