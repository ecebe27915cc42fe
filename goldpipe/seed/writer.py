"""``seed_silver``: the only part that touches a catalog, and its summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pyarrow as pa

from goldpipe.core import contract as ct
from goldpipe.core.errors import GoldpipeError
from goldpipe.lakehouse.schema import create_table
from goldpipe.seed.generate import check_inputs, day_range, generate_day, generate_dimensions
from goldpipe.seed.season import Season

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog


@dataclass(frozen=True)
class SeedSummary:
    """What ``seed_silver`` wrote."""

    first_day: date
    last_day: date
    orders_per_day: int
    seed: int
    rows: dict[str, int]
    seconds: float
    season: str = ""  # Season.describe(): the weekly pattern and incidents, if any

    def describe(self) -> str:
        counts = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        return (
            f"seeded silver {self.first_day}..{self.last_day} "
            f"({self.orders_per_day:,} orders/day, seed {self.seed}"
            + (f"; {self.season}" if self.season else "")
            + f") in {self.seconds:.1f}s: {counts}"
        )


def seed_silver(
    catalog: Catalog,
    *,
    days: int,
    end_date: date,
    orders_per_day: int,
    seed: int,
    replace: bool,
    season: Season | None = None,
    progress: Callable[[str], None] = lambda _line: None,
) -> SeedSummary:
    """Create the five silver tables and fill them with ``days`` days ending ``end_date``.

    Refuses (``GoldpipeError``, nothing touched) when a silver table exists, unless
    ``replace``: then only the contract's silver tables are dropped and recreated.
    """
    check_inputs(days, orders_per_day, seed)
    started = time.monotonic()
    existing = [t.identifier for t in ct.SILVER_TABLES.values() if catalog.table_exists(t.identifier)]
    if existing and not replace:
        raise GoldpipeError(
            f"silver table(s) already exist: {', '.join(existing)}; "
            "rerun with --replace to drop and reseed them (other namespaces are never touched)"
        )
    dims = generate_dimensions(seed, orders_per_day, end_date)
    for identifier in existing:
        catalog.purge_table(identifier)
        progress(f"dropped {identifier}")
    tables = {name: create_table(catalog, contract) for name, contract in ct.SILVER_TABLES.items()}
    rows = dict.fromkeys(ct.SILVER_TABLES, 0)

    def write(label: str, name: str, data: pa.Table) -> None:
        tables[name].append(data)
        rows[name] += data.num_rows
        progress(f"{label} {name}: {data.num_rows:,} rows")

    for name, data in dims.items():
        write("dimensions", name, data)
    span = day_range(days, end_date)
    for day in span:
        for name, data in generate_day(day, orders_per_day, seed, dims, season).items():
            write(day.isoformat(), name, data)
    seconds = time.monotonic() - started
    described = season.describe() if season else ""
    return SeedSummary(span[0], span[-1], orders_per_day, seed, rows, seconds, described)
