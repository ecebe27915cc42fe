"""Gathering the checks' inputs from Iceberg (pyiceberg): metadata first, data only where needed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from goldpipe.branches import DATE_PROPERTY, RUN_PROPERTY
from goldpipe.checks.rules import FileStats, Totals
from goldpipe.contract import GOLD_TABLES
from goldpipe.iceberg_schema import contract_type_of

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table
    from pyiceberg.table.snapshots import Snapshot


def gold_table(catalog: Catalog, table: str) -> Table:
    return catalog.load_table(GOLD_TABLES[table].identifier)


def head(table: Table, ref: str) -> Snapshot | None:
    return table.snapshot_by_name(ref)


def ancestry(table: Table, snapshot: Snapshot | None) -> Iterator[Snapshot]:
    """``snapshot`` and its ancestors, newest first."""
    current = snapshot
    while current is not None:
        yield current
        parent = current.parent_snapshot_id
        current = table.snapshot_by_id(parent) if parent is not None else None


def summary_property(snapshot: Snapshot, key: str) -> str | None:
    summary = snapshot.summary
    if summary is None:
        return None
    value = summary.additional_properties.get(key) if hasattr(summary, "additional_properties") else None
    if value is None:
        try:
            value = summary[key]
        except (KeyError, TypeError):
            value = None
    return None if value is None else str(value)


def run_days(table: Table, ref: str, run_id: str) -> set[dt.date]:
    """Days that run ``run_id`` committed to ``ref`` (from the commits' snapshot summaries)."""
    days = set()
    for snapshot in ancestry(table, head(table, ref)):
        if summary_property(snapshot, RUN_PROPERTY) == run_id:
            day = summary_property(snapshot, DATE_PROPERTY)
            if day:
                days.add(dt.date.fromisoformat(day))
    return days


def committed(table: Table, ref: str, day: dt.date, run_id: str | None) -> bool:
    """Whether ``ref`` holds a goldpipe commit of ``day`` (by ``run_id``, when given)."""
    for snapshot in ancestry(table, head(table, ref)):
        if summary_property(snapshot, DATE_PROPERTY) == day.isoformat() and (
            run_id is None or summary_property(snapshot, RUN_PROPERTY) == run_id
        ):
            return True
    return False


def schema_columns(table: Table) -> list[tuple[str, str, bool]]:
    return [(f.name, contract_type_of(f.field_type), f.required) for f in table.schema().fields]


def day_filter(day: dt.date) -> Any:
    """Rows (and, through the identity partition, data files) of one business day."""
    from pyiceberg.expressions import EqualTo

    return EqualTo("event_date", day.isoformat())


def day_files(table: Table, ref: str, day: dt.date) -> list[FileStats]:
    """Record and null counts of the day's data files on ``ref``, from the manifests only."""
    snapshot = head(table, ref)
    if snapshot is None:
        return []
    names = {f.field_id: f.name for f in table.schema().fields}
    files = []
    for task in table.scan(snapshot_id=snapshot.snapshot_id, row_filter=day_filter(day)).plan_files():
        data_file = task.file
        nulls = {names[i]: int(n) for i, n in (data_file.null_value_counts or {}).items() if i in names}
        files.append(FileStats(record_count=int(data_file.record_count), null_counts=nulls))
    return files


def day_columns(table: Table, ref: str, day: dt.date, columns: tuple[str, ...]) -> pa.Table:
    """Only ``columns`` of the day's rows on ``ref`` (column projection + partition pruning)."""
    import pyarrow as pa

    snapshot = head(table, ref)
    if snapshot is None:
        return pa.table({c: pa.array([], pa.string()) for c in columns})
    return table.scan(
        snapshot_id=snapshot.snapshot_id, row_filter=day_filter(day), selected_fields=columns
    ).to_arrow()


def gold_totals(table: Table, name: str, ref: str, day: dt.date) -> Totals:
    """The day's sums that the contract's invariants talk about, per gold table."""
    import pyarrow.compute as pc

    def total(data: pa.Table, column: str) -> Any:
        value = pc.sum(data.column(column)).as_py()
        return 0 if value is None else value

    if name == "daily_sales_summary":
        data = day_columns(table, ref, day, ("units_sold", "net_revenue", "orders"))
        return Totals(
            int(total(data, "units_sold")), Decimal(total(data, "net_revenue")), int(total(data, "orders"))
        )
    if name == "product_performance_analytics":
        data = day_columns(table, ref, day, ("units_sold", "net_revenue"))
        return Totals(units=int(total(data, "units_sold")), net_revenue=Decimal(total(data, "net_revenue")))
    if name == "daily_customer_analytics":
        data = day_columns(table, ref, day, ("units", "net_revenue", "orders"))
        return Totals(
            int(total(data, "units")), Decimal(total(data, "net_revenue")), int(total(data, "orders"))
        )
    return Totals()


def silver_totals(catalog: Catalog, day: dt.date) -> Totals:
    """Units, net revenue and counted orders of the day, recomputed from silver by the
    independent SQL reading of the contract (DuckDB over the day's Iceberg files)."""
    import duckdb

    from goldpipe.contract_sql import compute_gold, register_silver

    con = duckdb.connect(config={"threads": 2})
    try:
        register_silver(con, catalog, day)
        [row] = compute_gold(con, day, tables=("daily_sales_summary",))["daily_sales_summary"].to_pylist()
    finally:
        con.close()
    return Totals(int(row["units_sold"]), Decimal(row["net_revenue"]), int(row["orders"]))


def newest_day(table: Table, ref: str) -> dt.date | None:
    """The newest ``event_date`` on ``ref``, from the partition metadata."""
    snapshot = head(table, ref)
    if snapshot is None:
        return None
    partitions = table.inspect.partitions(snapshot_id=snapshot.snapshot_id)
    if partitions.num_rows == 0:
        return None
    days = [
        p["event_date"] for p in partitions.column("partition").to_pylist() if p.get("event_date") is not None
    ]
    return max(days) if days else None


def last_commit(table: Table, ref: str) -> dt.datetime | None:
    snapshot = head(table, ref)
    if snapshot is None:
        return None
    return dt.datetime.fromtimestamp(snapshot.timestamp_ms / 1000, dt.UTC)
