"""A small real lakehouse with seeded silver and gold runs written the way the Spark job writes
them (a branch cut from main, one commit per table and day with goldpipe's snapshot
properties), but with pyiceberg and the DuckDB reading of the contract: no Spark needed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from goldpipe.catalog import load_catalog
from goldpipe.config import CatalogConfig, resolve_embedded
from goldpipe.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.contract_sql import compute_gold, register_silver
from goldpipe.iceberg_schema import arrow_schema, create_table
from goldpipe.seed import seed_silver
from goldpipe.wap import branch_name

LAST_DAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)

Mutation = Callable[[str, dt.date, pa.Table], pa.Table | None]


@dataclass
class GoldLake:
    root: Path
    catalog: Any
    days: tuple[dt.date, ...]

    def expected(self, day: dt.date) -> dict[str, pa.Table]:
        con = duckdb.connect()
        try:
            register_silver(con, self.catalog, day)
            return compute_gold(con, day)
        finally:
            con.close()

    def table(self, job: str) -> Any:
        identifier = GOLD_TABLES[job].identifier
        if not self.catalog.table_exists(identifier):
            table = create_table(self.catalog, GOLD_TABLES[job])
            # A first empty commit, as a branch can only be cut from a snapshot.
            table.append(pa.Table.from_pylist([], schema=arrow_schema(GOLD_TABLES[job])))
        return self.catalog.load_table(identifier)

    def write_run(
        self,
        run_id: str,
        days: tuple[dt.date, ...],
        *,
        jobs: tuple[str, ...] = JOB_NAMES,
        mutate: Mutation | None = None,
        computed_at: dt.datetime = NOW,
    ) -> None:
        """What ``spark_apps/main.py --no-publish`` leaves behind: the run's branch, one commit per
        table and day. ``mutate`` may corrupt a day's rows, or return None to skip the commit."""
        from pyiceberg.expressions import EqualTo

        branch = branch_name(run_id)
        for job in jobs:
            table = self.table(job)
            table.refresh()
            if branch not in table.metadata.refs:
                with table.manage_snapshots() as ms:
                    ms.create_branch(table.metadata.refs["main"].snapshot_id, branch)
            for day in days:
                rows = self.expected(day)[job]
                rows = rows.append_column(
                    "computed_at", pa.array([computed_at] * rows.num_rows, pa.timestamp("us", "UTC"))
                )
                if mutate is not None:
                    rows = mutate(job, day, rows)
                    if rows is None:
                        continue
                rows = rows.cast(table.schema().as_arrow())
                table.overwrite(
                    rows,
                    overwrite_filter=EqualTo("event_date", day.isoformat()),
                    branch=branch,
                    snapshot_properties={"goldpipe.event-date": day.isoformat(), "goldpipe.run-id": run_id},
                )

    def main_rows(self, job: str) -> list[dict[str, Any]]:
        table = self.catalog.load_table(GOLD_TABLES[job].identifier)
        return sorted(
            table.scan().to_arrow().to_pylist(), key=lambda r: tuple(str(r[k]) for k in GOLD_TABLES[job].key)
        )


@pytest.fixture
def gold_lake(tmp_path: Path) -> GoldLake:
    cfg = resolve_embedded(CatalogConfig(name="lake"), tmp_path / "lake")
    catalog = load_catalog(cfg)
    seed_silver(
        catalog, days=3, end_date=LAST_DAY, orders_per_day=40, seed=3, replace=False, progress=lambda _: None
    )
    days = tuple(LAST_DAY - dt.timedelta(days=i) for i in (2, 1, 0))
    return GoldLake(tmp_path / "lake", catalog, days)
