"""Seeded silver for the seed tests: generated days (cached), the contract's dirt counted with
plain DuckDB SQL written from the contract text (so the tests do not trust the generator's own
bookkeeping), a catalog of the embedded lakehouse, and ``goldpipe seed`` run in-process."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

import duckdb
import pyarrow as pa
from click.testing import CliRunner

from goldpipe.core import contract as ct
from goldpipe.deploy.settings import load_settings
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.seed import generate_day, generate_dimensions, seed_silver

DAY = dt.date(2024, 3, 10)
SEED = 42
Tables = dict[str, pa.Table]


@functools.cache
def generated(n: int, day: dt.date = DAY, end_date: dt.date = DAY, seed: int = SEED) -> tuple[Tables, Tables]:
    """(dimensions, tables of ``day``); cached because several tests read the same data."""
    dims = generate_dimensions(seed, n, end_date)
    return dims, generate_day(day, n, seed, dims)


# --- dirt, in SQL -----------------------------------------------------------------------------

_STATUSES = ", ".join(f"'{s}'" for s in ct.ORDER_STATUSES)
_EVENT_TYPES = ", ".join(f"'{s}'" for s in ct.EVENT_TYPES)
_PRODUCT_TYPES = ", ".join(f"'{s}'" for s in ct.PRODUCT_EVENT_TYPES)

# Current versions and the first rejection reason, straight from the contract's tables.
_VIEWS = f"""
CREATE VIEW cur_orders AS SELECT * FROM orders
  QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ingested_at DESC) = 1;
CREATE VIEW order_reason AS SELECT *, CASE
    WHEN customer_id IS NULL THEN 'missing_customer'
    WHEN status IS NULL OR status NOT IN ({_STATUSES}) THEN 'bad_status' END AS reason
  FROM cur_orders;
CREATE VIEW valid_orders AS SELECT * FROM order_reason WHERE reason IS NULL;
CREATE VIEW counted_orders AS SELECT * FROM valid_orders WHERE status <> 'cancelled';
CREATE VIEW cur_items AS SELECT * FROM order_items
  QUALIFY row_number() OVER (PARTITION BY order_id, line_number ORDER BY ingested_at DESC) = 1;
CREATE MACRO item_rule(product_id, quantity, unit_price, discount_amount) AS CASE
    WHEN product_id IS NULL THEN 'missing_product'
    WHEN quantity IS NULL OR quantity <= 0 THEN 'bad_quantity'
    WHEN unit_price IS NULL OR unit_price < 0 THEN 'bad_price'
    WHEN coalesce(discount_amount, 0) < 0
      OR coalesce(discount_amount, 0) > quantity * unit_price THEN 'bad_discount' END;
CREATE VIEW item_reason AS SELECT *, CASE
    WHEN order_id NOT IN (SELECT order_id FROM valid_orders) THEN 'orphan_item'
    ELSE item_rule(product_id, quantity, unit_price, discount_amount) END AS reason
  FROM cur_items;
CREATE VIEW counted_items AS SELECT * FROM item_reason
  WHERE reason IS NULL AND order_id IN (SELECT order_id FROM counted_orders);
CREATE VIEW cur_events AS SELECT * FROM events
  QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ingested_at DESC) = 1;
CREATE MACRO event_rule(event_type, product_id) AS CASE
    WHEN event_type IS NULL OR event_type NOT IN ({_EVENT_TYPES}) THEN 'bad_event_type'
    WHEN event_type IN ({_PRODUCT_TYPES}) AND product_id IS NULL THEN 'missing_product' END;
CREATE VIEW event_reason AS SELECT *, event_rule(event_type, product_id) AS reason FROM cur_events;
CREATE VIEW valid_events AS SELECT * FROM event_reason WHERE reason IS NULL;
CREATE VIEW cur_customers AS SELECT * FROM customers
  QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY ingested_at DESC) = 1;
CREATE VIEW cur_products AS SELECT * FROM products
  QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY ingested_at DESC) = 1;
CREATE VIEW active_customers AS
  SELECT customer_id FROM valid_events UNION SELECT customer_id FROM valid_orders;
CREATE VIEW first_last AS SELECT * FROM (
  SELECT 'orders' AS t, order_id AS k, ingested_at, customer_id IS NULL
      OR status IS NULL OR status NOT IN ({_STATUSES}) AS invalid FROM orders
  UNION ALL SELECT 'order_items', order_id || '#' || line_number, ingested_at,
      item_rule(product_id, quantity, unit_price, discount_amount) IS NOT NULL FROM order_items
  UNION ALL SELECT 'events', event_id, ingested_at, event_rule(event_type, product_id) IS NOT NULL
      FROM events)
  QUALIFY count(*) OVER (PARTITION BY t, k) > 1;
"""


def _redeliveries(table: str, key: str) -> str:
    """Rows delivered again: the same content under a later ingested_at."""
    contract = ct.SILVER_TABLES[table]
    content = ", ".join(c for c in contract.column_names if c != "ingested_at")
    return f"SELECT count(*) FROM (SELECT {content} FROM {table} GROUP BY ALL HAVING count(*) > 1)"


def _version_change(table: str, first_invalid: bool) -> str:
    """Keys whose first version is (in)valid while the current one is the opposite."""
    return f"""SELECT count(*) FROM (
        SELECT arg_min(invalid, ingested_at) AS first, arg_max(invalid, ingested_at) AS last
        FROM first_last WHERE t = '{table}' GROUP BY k)
      WHERE first = {str(first_invalid).lower()} AND last = {str(not first_invalid).lower()}"""


def _at(ts: str) -> str:
    return f"TIMESTAMPTZ '{DAY.isoformat()} {ts}+00'"


MIDNIGHT, LAST = _at("00:00:00.000000"), _at("23:59:59.999999")
NEXT_DAY = f"TIMESTAMPTZ '{(DAY + dt.timedelta(days=1)).isoformat()} 00:00:00+00'"

DIRT: Mapping[str, str] = {
    # orders
    "orders: missing_customer": "SELECT count(*) FROM order_reason WHERE reason = 'missing_customer'",
    "orders: bad_status null": "SELECT count(*) FROM order_reason WHERE reason = 'bad_status' AND status IS NULL",
    "orders: bad_status unknown string": (
        "SELECT count(*) FROM order_reason WHERE reason = 'bad_status' AND status IS NOT NULL"
    ),
    "orders: two rules (missing_customer wins)": (
        "SELECT count(*) FROM order_reason WHERE reason = 'missing_customer' "
        f"AND (status IS NULL OR status NOT IN ({_STATUSES}))"
    ),
    "orders: redelivery": _redeliveries("orders", "order_id"),
    "orders: status history placed->paid->shipped": """
        SELECT count(DISTINCT a.order_id) FROM orders a JOIN orders b USING (order_id)
          JOIN orders c USING (order_id)
        WHERE a.status = 'placed' AND b.status = 'paid' AND c.status = 'shipped'
          AND a.ingested_at < b.ingested_at AND b.ingested_at < c.ingested_at""",
    "orders: later version fixes an invalid one": _version_change("orders", first_invalid=True),
    "orders: later version breaks a valid one": _version_change("orders", first_invalid=False),
    "orders: cancelled": "SELECT count(*) FROM valid_orders WHERE status = 'cancelled'",
    "orders: returned": "SELECT count(*) FROM valid_orders WHERE status = 'returned'",
    "orders: at 00:00:00.000000": f"SELECT count(*) FROM orders WHERE order_ts = {MIDNIGHT}",
    "orders: at 23:59:59.999999": f"SELECT count(*) FROM orders WHERE order_ts = {LAST}",
    "orders: unknown customer id": (
        "SELECT count(*) FROM valid_orders WHERE customer_id NOT IN (SELECT customer_id FROM customers)"
    ),
    # order items
    "order_items: orphan_item": "SELECT count(*) FROM item_reason WHERE reason = 'orphan_item'",
    "order_items: orphan_item, no such order": (
        "SELECT count(*) FROM item_reason WHERE order_id NOT IN (SELECT order_id FROM orders)"
    ),
    "order_items: missing_product": "SELECT count(*) FROM item_reason WHERE reason = 'missing_product'",
    "order_items: bad_quantity null": (
        "SELECT count(*) FROM item_reason WHERE reason = 'bad_quantity' AND quantity IS NULL"
    ),
    "order_items: bad_quantity 0": "SELECT count(*) FROM item_reason WHERE reason = 'bad_quantity' AND quantity = 0",
    "order_items: bad_quantity negative": (
        "SELECT count(*) FROM item_reason WHERE reason = 'bad_quantity' AND quantity < 0"
    ),
    "order_items: bad_price null": "SELECT count(*) FROM item_reason WHERE reason = 'bad_price' AND unit_price IS NULL",
    "order_items: bad_price negative": "SELECT count(*) FROM item_reason WHERE reason = 'bad_price' AND unit_price < 0",
    "order_items: bad_discount negative": (
        "SELECT count(*) FROM item_reason WHERE reason = 'bad_discount' AND discount_amount < 0"
    ),
    "order_items: bad_discount above quantity*unit_price": (
        "SELECT count(*) FROM item_reason WHERE reason = 'bad_discount' AND discount_amount > quantity * unit_price"
    ),
    "order_items: two rules (missing_product wins over bad_quantity)": (
        "SELECT count(*) FROM item_reason WHERE reason = 'missing_product' AND (quantity IS NULL OR quantity <= 0)"
    ),
    "order_items: two rules (bad_quantity wins over bad_price)": (
        "SELECT count(*) FROM item_reason WHERE reason = 'bad_quantity' AND (unit_price IS NULL OR unit_price < 0)"
    ),
    "order_items: two rules (orphan_item wins over an item rule)": (
        "SELECT count(*) FROM item_reason WHERE reason = 'orphan_item' "
        "AND item_rule(product_id, quantity, unit_price, discount_amount) IS NOT NULL"
    ),
    "order_items: redelivery": _redeliveries("order_items", "order_id, line_number"),
    "order_items: later version fixes an invalid one": _version_change("order_items", first_invalid=True),
    "order_items: later version breaks a valid one": _version_change("order_items", first_invalid=False),
    "order_items: quantity correction": """
        SELECT count(*) FROM (SELECT order_id, line_number FROM order_items GROUP BY ALL
          HAVING count(DISTINCT quantity) > 1 AND min(quantity) > 0)""",
    "order_items: of a cancelled order": (
        "SELECT count(*) FROM item_reason WHERE reason IS NULL AND order_id IN "
        "(SELECT order_id FROM valid_orders WHERE status = 'cancelled')"
    ),
    "order_items: unknown product id": (
        "SELECT count(*) FROM counted_items WHERE product_id NOT IN (SELECT product_id FROM products)"
    ),
    "order_items: product with null category": (
        "SELECT count(*) FROM counted_items WHERE product_id IN "
        "(SELECT product_id FROM cur_products WHERE category IS NULL)"
    ),
    "order_items: product that changed category": (
        "SELECT count(*) FROM counted_items WHERE product_id IN "
        "(SELECT product_id FROM products GROUP BY 1 HAVING count(DISTINCT category) > 1)"
    ),
    "order_items: null discount": "SELECT count(*) FROM counted_items WHERE discount_amount IS NULL",
    "order_items: positive discount": "SELECT count(*) FROM counted_items WHERE discount_amount > 0",
    # events
    "events: bad_event_type null": (
        "SELECT count(*) FROM event_reason WHERE reason = 'bad_event_type' AND event_type IS NULL"
    ),
    "events: bad_event_type unknown string": (
        "SELECT count(*) FROM event_reason WHERE reason = 'bad_event_type' AND event_type IS NOT NULL"
    ),
    "events: missing_product": "SELECT count(*) FROM event_reason WHERE reason = 'missing_product'",
    "events: redelivery": _redeliveries("events", "event_id"),
    "events: later version fixes an invalid one": _version_change("events", first_invalid=True),
    "events: later version breaks a valid one": _version_change("events", first_invalid=False),
    "events: anonymous visitor": "SELECT count(*) FROM valid_events WHERE customer_id IS NULL",
    "events: unknown customer id": (
        "SELECT count(*) FROM valid_events WHERE customer_id NOT IN (SELECT customer_id FROM customers)"
    ),
    "events: unknown product id": (
        f"SELECT count(*) FROM valid_events WHERE event_type IN ({_PRODUCT_TYPES}) "
        "AND product_id NOT IN (SELECT product_id FROM products)"
    ),
    "events: null session_id": "SELECT count(*) FROM events WHERE session_id IS NULL",
    "events: sessions of several events": (
        "SELECT count(*) FROM (SELECT session_id FROM cur_events GROUP BY 1 HAVING count(*) >= 3)"
    ),
    "events: at 00:00:00.000000": f"SELECT count(*) FROM valid_events WHERE event_ts = {MIDNIGHT}",
    "events: at 23:59:59.999999": f"SELECT count(*) FROM valid_events WHERE event_ts = {LAST}",
    # dimensions, as seen by the day
    "customers: new on the day and active": (
        f"SELECT count(*) FROM cur_customers WHERE signup_ts >= {MIDNIGHT} AND signup_ts < {NEXT_DAY} "
        "AND customer_id IN (SELECT customer_id FROM active_customers)"
    ),
    "customers: new on the day with an order": (
        f"SELECT count(*) FROM cur_customers WHERE signup_ts >= {MIDNIGHT} AND signup_ts < {NEXT_DAY} "
        "AND customer_id IN (SELECT customer_id FROM valid_orders)"
    ),
    "customers: null signup_ts and active": (
        "SELECT count(*) FROM cur_customers WHERE signup_ts IS NULL "
        "AND customer_id IN (SELECT customer_id FROM active_customers)"
    ),
    "customers: changed segment and active": (
        "SELECT count(*) FROM (SELECT customer_id FROM customers GROUP BY 1 "
        "HAVING count(DISTINCT segment) > 1) WHERE customer_id IN (SELECT customer_id FROM active_customers)"
    ),
    "customers: redelivery": _redeliveries("customers", "customer_id"),
    "products: null category": "SELECT count(*) FROM cur_products WHERE category IS NULL",
    "products: changed category": (
        "SELECT count(*) FROM (SELECT product_id FROM products GROUP BY 1 HAVING count(DISTINCT category) > 1)"
    ),
    "products: changed list price": (
        "SELECT count(*) FROM (SELECT product_id FROM products GROUP BY 1 HAVING count(DISTINCT list_price) > 1)"
    ),
    "products: redelivery": _redeliveries("products", "product_id"),
}


def connect(dims: Tables, day: Tables) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    relations = {
        "orders": day["orders"],
        "order_items": day["order_items"],
        "events": day["events"],
        "customers": pa.concat_tables([dims["customers"], day["customers"]]),
        "products": dims["products"],
    }
    for name, table in relations.items():
        con.register(name, table)
    con.execute(_VIEWS)
    return con


def count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def dirt_counts(n: int) -> dict[str, int]:
    con = connect(*generated(n))
    return {kind: count(con, sql) for kind, sql in DIRT.items()}


def catalog() -> Any:
    return load_catalog(load_settings(None).catalog, create=True)


def seed_into(cat: Any, days: int = 2, n: int = 10, replace: bool = False, seed: int = SEED) -> Any:
    lines: list[str] = []
    summary = seed_silver(
        cat, days=days, end_date=DAY, orders_per_day=n, seed=seed, replace=replace, progress=lines.append
    )
    return summary, lines


def run_cli(*args: str) -> Any:
    from goldpipe.cli.main import _register, cli

    _register()
    return CliRunner().invoke(cli, ["seed", *args])
