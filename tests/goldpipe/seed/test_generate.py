"""``goldpipe.seed``'s generation: the contract's dirt at every scale, schemas, ingestion times,
determinism, input checks (dirt is counted by tests/support/seeding.py's SQL)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from goldpipe.core import contract as ct
from goldpipe.core.errors import GoldpipeError
from goldpipe.lakehouse.schema import arrow_schema
from goldpipe.seed import day_range, generate_day, generate_dimensions, seed_silver
from tests.support.seeding import DAY, MIDNIGHT, NEXT_DAY, SEED, connect, count, dirt_counts, generated


class _FailingCatalog:
    """Any use is a failure: input validation must come before touching the catalog."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"catalog.{name} used")


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
        outside = f"SELECT count(*) FROM {table} WHERE {ts} < {MIDNIGHT} OR {ts} >= {NEXT_DAY}"
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
