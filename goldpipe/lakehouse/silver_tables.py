"""Silver from its metadata: which tables exist, which days they have, how many rows a day's run
will read, without reading them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from goldpipe.core.contract import SILVER_TABLES
from goldpipe.core.dates import day_bounds
from goldpipe.core.errors import SilverContractError

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.expressions import BooleanExpression

    from goldpipe.core.contract import TableContract


def day_filter(contract: TableContract, day: dt.date) -> BooleanExpression:
    """Rows of a partitioned silver fact table whose business timestamp falls on ``day``: the
    half-open UTC range on its partition source column (so Iceberg prunes every other day's
    files), the same range the Spark jobs read."""
    from pyiceberg.expressions import And, GreaterThanOrEqual, LessThan

    start, end = day_bounds(day)
    column = contract.partitioning[0][0]
    return And(
        GreaterThanOrEqual(term=column, value=start.isoformat()),
        LessThan(term=column, value=end.isoformat()),
    )


def require_tables(catalog: Catalog, tables: Iterable[str], catalog_name: str) -> None:
    """``SilverContractError`` naming every silver table of ``tables`` the catalog lacks: a run reads
    silver and never writes it, so it cannot start without them (the Spark job checks columns)."""
    missing = [
        SILVER_TABLES[name].identifier
        for name in tables
        if not catalog.table_exists(SILVER_TABLES[name].identifier)
    ]
    if missing:
        raise SilverContractError(
            f"silver table(s) {', '.join(missing)} do not exist in catalog {catalog_name!r}: a run only "
            "reads silver; write it first (goldpipe seed for synthetic data), or point GOLDPIPE_HOME "
            "or catalog.uri at your lakehouse"
        )


def day_range(catalog: Catalog, tables: Iterable[str]) -> tuple[dt.date, dt.date] | None:
    """The first and the last business day (UTC) with rows in the partitioned silver ``tables``,
    from the bounds of their data files' business timestamps (Iceberg's column metrics: no data
    read); None when they have no rows. What ``auto`` may run: ``goldpipe.core.dates.auto_days``."""
    firsts, lasts = [], []
    for name in tables:
        contract = SILVER_TABLES[name]
        if not contract.partitioning or not catalog.table_exists(contract.identifier):
            continue
        column = contract.partitioning[0][0]
        files = catalog.load_table(contract.identifier).inspect.files()
        for content, count, metrics in zip(
            files.column("content").to_pylist(),
            files.column("record_count").to_pylist(),
            files.column("readable_metrics").to_pylist(),
            strict=True,
        ):
            bounds = metrics[column]
            if content == 0 and count and bounds["lower_bound"] is not None:  # data, not deletes
                firsts.append(bounds["lower_bound"].astimezone(dt.UTC).date())
                lasts.append(bounds["upper_bound"].astimezone(dt.UTC).date())
    return (min(firsts), max(lasts)) if firsts else None


def day_rows(catalog: Catalog, day: dt.date, tables: Iterable[str]) -> int | None:
    """Rows in the data files of ``day`` of the partitioned silver ``tables`` (from the manifests:
    the files Iceberg plans for the day's time range); None when a table does not exist.

    An upper bound of the rows the day's run reads: a file may also hold rows of another day.
    """
    total = 0
    for name in tables:
        contract = SILVER_TABLES[name]
        if not contract.partitioning:
            continue
        if not catalog.table_exists(contract.identifier):
            return None
        column = contract.partitioning[0][0]
        scan = catalog.load_table(contract.identifier).scan(
            row_filter=day_filter(contract, day), selected_fields=(column,)
        )
        total += sum(task.file.record_count for task in scan.plan_files())
    return total


def largest_day_rows(catalog: Catalog, tables: Iterable[str], days: tuple[dt.date, ...]) -> int | None:
    """``day_rows`` of the larger of the first and last of ``days`` (a long backfill is not planned
    day by day just to size a session); None when unknown."""
    if not days:
        return None
    tables = tuple(tables)
    counts = [day_rows(catalog, day, tables) for day in {days[0], days[-1]}]
    known = [c for c in counts if c is not None]
    return max(known) if len(known) == len(counts) else None
