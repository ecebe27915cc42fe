"""Gathering the checks' inputs from Iceberg (pyiceberg): metadata first, data only where needed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from goldpipe.checks.rules import FileStats, Totals
from goldpipe.lakehouse.gold_tables import day_filter, head
from goldpipe.lakehouse.schema import contract_type_of

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table


def schema_columns(table: Table) -> list[tuple[str, str, bool]]:
    return [(f.name, contract_type_of(f.field_type), f.required) for f in table.schema().fields]


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
    snapshot = head(table, ref)
    if snapshot is None:  # nothing committed on ref: no rows, with the columns' own types
        return table.schema().select(*columns).as_arrow().empty_table()
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

    from goldpipe.checks.reference.gold import compute_gold
    from goldpipe.checks.reference.silver import register_silver

    con = duckdb.connect(config={"threads": 2})
    try:
        register_silver(con, catalog, day)
        [row] = compute_gold(con, day, tables=("daily_sales_summary",))["daily_sales_summary"].to_pylist()
    finally:
        con.close()
    return Totals(int(row["units_sold"]), Decimal(row["net_revenue"]), int(row["orders"]))


def last_commit(table: Table, ref: str) -> dt.datetime | None:
    snapshot = head(table, ref)
    if snapshot is None:
        return None
    return dt.datetime.fromtimestamp(snapshot.timestamp_ms / 1000, dt.UTC)
