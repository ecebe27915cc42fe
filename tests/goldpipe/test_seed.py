"""``goldpipe seed``: determinism, the contract's dirt at every scale, writing, the CLI.

Dirt is detected with plain DuckDB SQL over the generated Arrow tables, written from the
contract text, so these tests do not trust the generator's own bookkeeping.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from click.testing import CliRunner

from goldpipe.core import contract as ct
from goldpipe.core.errors import GoldpipeError
from goldpipe.deploy.settings import load_settings
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.schema import arrow_schema
from goldpipe.seed import day_range, generate_day, generate_dimensions, seed_silver

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


_MIDNIGHT, _LAST = _at("00:00:00.000000"), _at("23:59:59.999999")
_NEXT_DAY = f"TIMESTAMPTZ '{(DAY + dt.timedelta(days=1)).isoformat()} 00:00:00+00'"

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
    "orders: at 00:00:00.000000": f"SELECT count(*) FROM orders WHERE order_ts = {_MIDNIGHT}",
    "orders: at 23:59:59.999999": f"SELECT count(*) FROM orders WHERE order_ts = {_LAST}",
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
    "events: at 00:00:00.000000": f"SELECT count(*) FROM valid_events WHERE event_ts = {_MIDNIGHT}",
    "events: at 23:59:59.999999": f"SELECT count(*) FROM valid_events WHERE event_ts = {_LAST}",
    # dimensions, as seen by the day
    "customers: new on the day and active": (
        f"SELECT count(*) FROM cur_customers WHERE signup_ts >= {_MIDNIGHT} AND signup_ts < {_NEXT_DAY} "
        "AND customer_id IN (SELECT customer_id FROM active_customers)"
    ),
    "customers: new on the day with an order": (
        f"SELECT count(*) FROM cur_customers WHERE signup_ts >= {_MIDNIGHT} AND signup_ts < {_NEXT_DAY} "
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


# --- generation -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 1000])
def test_every_kind_of_dirt_is_present(n: int) -> None:
    counts = dirt_counts(n)
    missing = [kind for kind, c in counts.items() if c == 0]
    assert not missing, f"absent at {n} orders/day: {missing}"


def test_every_rejection_reason_of_the_contract_is_present() -> None:
    con = connect(*generated(10))
    found = {
        "orders": {r for (r,) in con.execute("SELECT DISTINCT reason FROM order_reason").fetchall()},
        "order_items": {r for (r,) in con.execute("SELECT DISTINCT reason FROM item_reason").fetchall()},
        "events": {r for (r,) in con.execute("SELECT DISTINCT reason FROM event_reason").fetchall()},
    }
    for table, reasons in ct.REJECTION_REASONS.items():
        assert set(reasons) <= found[table], table


@pytest.mark.parametrize("n", [10, 1000])
def test_tables_have_the_contract_schema(n: int) -> None:
    dims, day = generated(n)
    for name, table in [*dims.items(), *day.items()]:
        assert table.schema == arrow_schema(ct.SILVER_TABLES[name]), name
        for column in ct.SILVER_TABLES[name].required_columns:
            assert table.column(column).null_count == 0, (name, column)


@pytest.mark.parametrize("n", [10, 1000])
def test_versions_of_a_key_never_share_ingested_at(n: int) -> None:
    dims, day = generated(n)
    con = connect(dims, day)
    for name, contract in ct.SILVER_TABLES.items():
        key = ", ".join(contract.key)
        sql = f"SELECT count(*) FROM (SELECT {key}, ingested_at FROM {name} GROUP BY ALL HAVING count(*) > 1)"
        assert count(con, sql) == 0, name


@pytest.mark.parametrize("n", [10, 1000])
def test_rows_are_ingested_after_they_happen_and_on_their_day(n: int) -> None:
    con = connect(*generated(n))
    for table, ts in [("orders", "order_ts"), ("order_items", "order_ts"), ("events", "event_ts")]:
        assert count(con, f"SELECT count(*) FROM {table} WHERE ingested_at < {ts}") == 0, table
        outside = f"SELECT count(*) FROM {table} WHERE {ts} < {_MIDNIGHT} OR {ts} >= {_NEXT_DAY}"
        assert count(con, outside) == 0, table
    assert count(con, "SELECT count(*) FROM customers WHERE ingested_at < signup_ts") == 0
    # A sign-up happens before the customer's first activity of the day.
    first_activity = """
        SELECT count(*) FROM cur_customers c JOIN (
          SELECT customer_id, min(ts) AS first FROM (
            SELECT customer_id, event_ts AS ts FROM events UNION ALL SELECT customer_id, order_ts FROM orders)
          GROUP BY 1) a USING (customer_id)
        WHERE c.signup_ts > a.first"""
    assert count(con, first_activity) == 0


def test_item_rows_carry_their_orders_timestamp() -> None:
    con = connect(*generated(1000))
    sql = "SELECT count(*) FROM order_items i JOIN orders o USING (order_id) WHERE i.order_ts <> o.order_ts"
    assert count(con, sql) == 0


def test_scale_and_shape_at_1000_orders() -> None:
    n = 1000
    dims, day = generated(n)
    con = connect(dims, day)
    assert count(con, "SELECT count(DISTINCT order_id) FROM orders") == n
    events = count(con, "SELECT count(*) FROM cur_events")
    assert 8 * n <= events <= 12 * n
    lines = count(con, "SELECT count(*) FROM cur_items") / n
    assert 2.2 <= lines <= 3.0
    assert count(con, "SELECT count(DISTINCT customer_id) FROM customers") >= 2 * n
    assert count(con, "SELECT count(DISTINCT product_id) FROM products") >= 100
    # Dirt stays a small share: most orders, items and events are valid.
    rejected = count(con, "SELECT count(*) FROM order_reason WHERE reason IS NOT NULL")
    assert rejected < 0.05 * n
    bad_events = count(con, "SELECT count(*) FROM event_reason WHERE reason IS NOT NULL")
    assert bad_events < 0.02 * events
    countries = {c for (c,) in con.execute("SELECT DISTINCT country FROM customers").fetchall() if c}
    assert all(len(c) == 2 and c.isupper() for c in countries)
    assert {r for (r,) in con.execute("SELECT DISTINCT channel FROM orders").fetchall()} >= set(ct.CHANNELS)
    assert {r for (r,) in con.execute("SELECT DISTINCT segment FROM customers").fetchall()} >= set(
        ct.SEGMENTS
    )
    near_list = """
        SELECT avg(abs(i.unit_price - p.list_price) / p.list_price) FROM counted_items i
        JOIN cur_products p USING (product_id)"""
    row = con.execute(near_list).fetchone()
    assert row is not None and float(row[0]) < 0.05


def test_same_arguments_give_identical_tables() -> None:
    dims_a = generate_dimensions(SEED, 50, DAY)
    dims_b = generate_dimensions(SEED, 50, DAY)
    for name in dims_a:
        assert dims_a[name].equals(dims_b[name]), name
    day_a = generate_day(DAY, 50, SEED, dims_a)
    day_b = generate_day(DAY, 50, SEED, dims_b)
    for name in day_a:
        assert day_a[name].equals(day_b[name]), name
    other = generate_day(DAY, 50, SEED + 1, generate_dimensions(SEED + 1, 50, DAY))
    assert not other["orders"].equals(day_a["orders"])


def test_a_day_does_not_depend_on_how_many_days_are_generated() -> None:
    # A 1-day seed ends at DAY; a 5-day seed ending later has other dimension timestamps.
    alone = generate_day(DAY, 50, SEED, generate_dimensions(SEED, 50, DAY))
    within = generate_day(DAY, 50, SEED, generate_dimensions(SEED, 50, DAY + dt.timedelta(days=4)))
    for name in alone:
        assert alone[name].equals(within[name]), name


def test_keys_are_unique_across_days() -> None:
    dims, _ = generated(10)
    first = generate_day(DAY, 10, SEED, dims)
    second = generate_day(DAY + dt.timedelta(days=1), 10, SEED, dims)
    for name, key in [("orders", "order_id"), ("events", "event_id"), ("customers", "customer_id")]:
        a = set(first[name].column(key).to_pylist())
        b = set(second[name].column(key).to_pylist())
        assert not (a & b), name


@pytest.mark.parametrize(
    ("days", "orders_per_day", "seed", "message"),
    [(0, 10, 1, "days"), (1, 9, 1, "orders_per_day"), (1, 10, -1, "seed")],
)
def test_bad_inputs_are_refused(days: int, orders_per_day: int, seed: int, message: str) -> None:
    with pytest.raises(GoldpipeError, match=message):
        seed_silver(
            _FailingCatalog(),
            days=days,
            end_date=DAY,
            orders_per_day=orders_per_day,
            seed=seed,
            replace=False,
        )
    if days >= 1:
        with pytest.raises(GoldpipeError, match=message):
            generate_dimensions(seed, orders_per_day, DAY)


def test_day_range() -> None:
    assert day_range(3, DAY) == [DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=1), DAY]


def test_generation_time_at_100k_orders(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a check: prints how long one big day takes (the brief wants well under a minute)."""
    started = time.perf_counter()
    dims = generate_dimensions(SEED, 100_000, DAY)
    after_dims = time.perf_counter()
    day = generate_day(DAY, 100_000, SEED, dims)
    done = time.perf_counter()
    rows = ", ".join(f"{name} {t.num_rows:,}" for name, t in day.items())
    with capsys.disabled():
        print(
            f"\n[seed timing] 100k orders/day: dimensions {after_dims - started:.2f}s, "
            f"one day {done - after_dims:.2f}s ({rows})"
        )


# --- writing to a catalog -----------------------------------------------------------------------


class _FailingCatalog:
    """Any use is a failure: input validation must come before touching the catalog."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"catalog.{name} used")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty embedded lakehouse: GOLDPIPE_HOME in tmp_path, no values file, no overrides."""
    for var in ("GOLDPIPE_VALUES", *(f"GOLDPIPE_CATALOG_{k}" for k in ("NAME", "TYPE", "URI", "WAREHOUSE"))):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def catalog() -> Any:
    return load_catalog(load_settings(None).catalog, create=True)


def seed_into(cat: Any, days: int = 2, n: int = 10, replace: bool = False, seed: int = SEED) -> Any:
    lines: list[str] = []
    summary = seed_silver(
        cat, days=days, end_date=DAY, orders_per_day=n, seed=seed, replace=replace, progress=lines.append
    )
    return summary, lines


def test_seed_silver_writes_partitioned_tables(home: Path) -> None:
    cat = catalog()
    summary, lines = seed_into(cat)
    assert (summary.first_day, summary.last_day) == (DAY - dt.timedelta(days=1), DAY)
    for name, contract in ct.SILVER_TABLES.items():
        table = cat.load_table(contract.identifier)
        assert table.format_version == 2
        fields = table.spec().fields
        assert [(table.schema().find_column_name(f.source_id), str(f.transform)) for f in fields] == [
            (column, transform) for column, transform in contract.partitioning
        ], name
        data = table.scan().to_arrow()
        assert data.num_rows == summary.rows[name] > 0, name
        assert data.schema.names == list(contract.column_names)
    assert any("orders" in line and "rows" in line for line in lines)
    assert "seeded silver" in summary.describe()


def test_seed_silver_refuses_existing_tables_without_replace(home: Path) -> None:
    cat = catalog()
    seed_into(cat)
    before = {
        n: cat.load_table(c.identifier).metadata.current_snapshot_id for n, c in ct.SILVER_TABLES.items()
    }
    with pytest.raises(GoldpipeError, match=r"silver\.orders.*--replace"):
        seed_into(cat, days=1, n=20)
    after = {
        n: cat.load_table(c.identifier).metadata.current_snapshot_id for n, c in ct.SILVER_TABLES.items()
    }
    assert after == before


def test_seed_silver_refuses_when_only_one_silver_table_exists(home: Path) -> None:
    from goldpipe.lakehouse.schema import create_table

    cat = catalog()
    create_table(cat, ct.EVENTS)
    with pytest.raises(GoldpipeError, match=r"silver\.events"):
        seed_into(cat)
    assert not cat.table_exists(ct.ORDERS.identifier)


def test_seed_silver_replace_reseeds_silver_only(home: Path) -> None:
    from goldpipe.lakehouse.schema import create_table

    cat = catalog()
    seed_into(cat, n=10)
    gold = create_table(cat, ct.REJECTED_ROWS)
    gold_snapshot = gold.metadata.current_snapshot_id
    summary, lines = seed_into(cat, days=1, n=20, replace=True)
    assert any(line == "dropped silver.orders" for line in lines)
    orders = cat.load_table(ct.ORDERS.identifier).scan().to_arrow()
    assert orders.num_rows == summary.rows["orders"]
    assert len(set(orders.column("order_id").to_pylist())) == 20
    assert cat.table_exists(ct.REJECTED_ROWS.identifier)
    assert cat.load_table(ct.REJECTED_ROWS.identifier).metadata.current_snapshot_id == gold_snapshot


def test_a_day_reads_back_the_same_from_a_1_and_a_5_day_seed(tmp_path: Path) -> None:
    from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded

    def day_rows(root: Path, days: int) -> dict[str, list[dict[str, Any]]]:
        cat = load_catalog(resolve_embedded(CatalogConfig(), root), create=True)
        seed_silver(cat, days=days, end_date=DAY, orders_per_day=10, seed=SEED, replace=False)
        out = {}
        for name, ts in [("orders", "order_ts"), ("order_items", "order_ts"), ("events", "event_ts")]:
            data = cat.load_table(f"silver.{name}").scan(
                row_filter=f"{ts} >= '{DAY.isoformat()}T00:00:00+00:00'"
            )
            table = data.to_arrow()
            out[name] = sorted(
                table.to_pylist(), key=lambda r: (str(r[ct.SILVER_TABLES[name].key[0]]), str(r))
            )
        return out

    assert day_rows(tmp_path / "one", 1) == day_rows(tmp_path / "five", 5)


# --- CLI ----------------------------------------------------------------------------------------


def run_cli(*args: str) -> Any:
    from goldpipe.cli.main import _register, cli

    _register()
    return CliRunner().invoke(cli, ["seed", *args])


def test_cli_print_range_writes_nothing(home: Path) -> None:
    result = run_cli("--print-range", "--days", "3", "--end-date", "2024-03-10")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2024-03-08..2024-03-10\n"
    assert not home.exists()


def test_cli_print_range_defaults_to_days_ending_yesterday_utc(home: Path) -> None:
    result = run_cli("--print-range")
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert result.stdout.strip() == f"{yesterday - dt.timedelta(days=2)}..{yesterday}"


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "10/03/2024"])
def test_cli_rejects_a_bad_end_date(home: Path, value: str) -> None:
    result = run_cli("--end-date", value)
    assert result.exit_code == 2
    assert "--end-date" in result.output and value in result.output


@pytest.mark.parametrize("args", [["--days", "0"], ["--orders-per-day", "9"], ["--seed", "-1"]])
def test_cli_rejects_bad_numbers(home: Path, args: list[str]) -> None:
    result = run_cli(*args, "--end-date", "2024-03-10")
    assert result.exit_code == 2, result.output


def test_cli_seeds_then_refuses_then_replaces(home: Path) -> None:
    args = ["--days", "2", "--end-date", "2024-03-10", "--orders-per-day", "10"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    assert "2024-03-09 orders:" in first.stderr
    assert first.stdout.startswith("seeded silver 2024-03-09..2024-03-10 (10 orders/day, seed 42)")
    again = run_cli(*args)
    assert again.exit_code == 1
    assert "error: " in again.stderr and "--replace" in again.stderr
    replaced = run_cli(*args, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "dropped silver.orders" in replaced.stderr
    assert catalog().load_table("silver.orders").scan().to_arrow().num_rows > 10
