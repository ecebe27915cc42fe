"""The key measures of each gold table whose drift ``drift:*`` watches, gathered from Iceberg.

Every measure is a ratio (per order, per unit, a share of rows), so a quiet Sunday does not
move it the way it moves a count; what moves it is a change in the data's shape: prices in
cents, a burst of rejected rows, a broken tracker that loses logged-in visitors. Gold columns
are read for the day's partition only; silver is read from its manifests only (record and null
counts of the day's files), never its rows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from goldpipe.checks.baselines import Measure
from goldpipe.checks.inputs import day_columns
from goldpipe.core.contract import REJECTION_REASONS, SILVER_TABLES
from goldpipe.lakehouse.silver_tables import day_filter

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

# What each table's measures are, for the docs and the tests: one home, here.
MEASURES: dict[str, tuple[str, ...]] = {
    "daily_sales_summary": ("net_revenue_per_order", "units_per_order", "cancelled_share"),
    "product_performance_analytics": ("net_revenue_per_unit", "orders_per_view"),
    "daily_customer_analytics": ("events_per_customer", "anonymous_event_share"),
    "rejected_rows": tuple(
        f"rejected_share:{source}.{reason}"
        for source, reasons in REJECTION_REASONS.items()
        for reason in reasons
    ),
}


def _sums(table: Table, ref: str, day: dt.date, *columns: str) -> list[float]:
    """The day's sum of each of ``columns`` (only they are read)."""
    import pyarrow.compute as pc

    data = day_columns(table, ref, day, columns)
    return [float(pc.sum(data.column(c)).as_py() or 0) for c in columns]


def _ratio(numerator: float, denominator: float) -> Measure | None:
    """None when there is nothing to divide by: a day with no orders has no order value."""
    return Measure(numerator / denominator) if denominator else None


def _share(part: float, whole: float) -> Measure | None:
    return Measure(part / whole, int(whole)) if whole else None


def silver_day_rows(
    catalog: Catalog, name: str, day: dt.date, null_column: str | None = None
) -> tuple[int, int]:
    """Rows of silver ``name`` on ``day`` (every version, as delivered) and the nulls of
    ``null_column`` among them, from the manifests of the day's files."""
    contract = SILVER_TABLES[name]
    if not catalog.table_exists(contract.identifier):
        return 0, 0
    table = catalog.load_table(contract.identifier)
    field = table.schema().find_field(null_column).field_id if null_column else None
    rows = nulls = 0
    for task in table.scan(row_filter=day_filter(contract, day)).plan_files():
        rows += int(task.file.record_count)
        if field is not None:
            nulls += int((task.file.null_value_counts or {}).get(field, 0))
    return rows, nulls


def drift_measures(catalog: Catalog, job: str, table: Table, ref: str, day: dt.date) -> dict[str, Measure]:
    """The day's measures of ``job``'s table on ``ref`` (those that are defined that day)."""
    measures: dict[str, Measure | None] = {}
    if job == "daily_sales_summary":
        orders, cancelled, units, net = _sums(
            table, ref, day, "orders", "cancelled_orders", "units_sold", "net_revenue"
        )
        measures = {
            "net_revenue_per_order": _ratio(net, orders),
            "units_per_order": _ratio(units, orders),
            "cancelled_share": _share(cancelled, orders + cancelled),
        }
    elif job == "product_performance_analytics":
        net, units, orders, views = _sums(table, ref, day, "net_revenue", "units_sold", "orders", "views")
        measures = {"net_revenue_per_unit": _ratio(net, units), "orders_per_view": _ratio(orders, views)}
    elif job == "daily_customer_analytics":
        import pyarrow.compute as pc

        data = day_columns(table, ref, day, ("events",))  # one row per active customer
        events = float(pc.sum(data.column("events")).as_py() or 0)
        rows, anonymous = silver_day_rows(catalog, "events", day, "customer_id")
        measures = {
            "events_per_customer": _ratio(events, data.num_rows),
            "anonymous_event_share": _share(anonymous, rows),
        }
    elif job == "rejected_rows":
        counts = {
            (r["source_table"], r["reason"]): r["rejected_count"]
            for r in day_columns(table, ref, day, ("source_table", "reason", "rejected_count")).to_pylist()
        }
        for source, reasons in REJECTION_REASONS.items():
            rows, _ = silver_day_rows(catalog, source, day)
            for reason in reasons:
                measures[f"rejected_share:{source}.{reason}"] = _share(counts.get((source, reason), 0), rows)
    return {name: m for name, m in measures.items() if m is not None}
