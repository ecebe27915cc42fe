"""The DuckDB reading of the data contract, rule by rule, on hand-written silver rows."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from goldpipe.checks.reference.gold import compute_gold, gold_arrow_schema
from goldpipe.checks.reference.queries import SILVER_RELATIONS
from goldpipe.checks.reference.silver import register_silver
from goldpipe.core import contract as c
from goldpipe.core.errors import SilverContractError

UTC = dt.UTC
D = dt.date(2024, 3, 10)
Row = dict[str, Any]


def ts(text: str) -> dt.datetime:
    """``"HH:MM[:SS[.ffffff]]"`` on day D, or a full ISO timestamp, in UTC."""
    if "T" not in text:
        text = f"{D.isoformat()}T{text}"
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def ingested(n: int) -> dt.datetime:
    return ts("2024-03-20T00:00:00") + dt.timedelta(minutes=n)


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def order(
    order_id: str,
    customer_id: str | None = "c1",
    status: str | None = "paid",
    at: str = "12:00",
    version: int = 1,
) -> Row:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_ts": ts(at),
        "status": status,
        "channel": "web",
        "ingested_at": ingested(version),
    }


def item(
    order_id: str,
    line: int = 1,
    product_id: str | None = "p1",
    *,
    quantity: int | None = 1,
    price: str | None = "10.00",
    discount: str | None = None,
    at: str = "12:00",
    version: int = 1,
) -> Row:
    return {
        "order_id": order_id,
        "line_number": line,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price": money(price),
        "discount_amount": money(discount),
        "order_ts": ts(at),
        "ingested_at": ingested(version),
    }


def event(
    event_id: str,
    event_type: str | None = "page_view",
    *,
    customer_id: str | None = "c1",
    product_id: str | None = None,
    session_id: str | None = "s1",
    at: str = "12:00",
    version: int = 1,
) -> Row:
    return {
        "event_id": event_id,
        "session_id": session_id,
        "customer_id": customer_id,
        "event_type": event_type,
        "product_id": product_id,
        "event_ts": ts(at),
        "device": "mobile",
        "ingested_at": ingested(version),
    }


def customer(
    customer_id: str,
    segment: str | None = "consumer",
    country: str | None = "DE",
    signup: str | None = "2023-01-01T00:00:00",
    version: int = 1,
) -> Row:
    return {
        "customer_id": customer_id,
        "email": f"{customer_id}@example.com",
        "country": country,
        "segment": segment,
        "signup_ts": None if signup is None else ts(signup),
        "ingested_at": ingested(version),
    }


def product(
    product_id: str,
    category: str | None = "books",
    brand: str | None = "acme",
    version: int = 1,
) -> Row:
    return {
        "product_id": product_id,
        "name": product_id.upper(),
        "category": category,
        "brand": brand,
        "list_price": Decimal("10.00"),
        "ingested_at": ingested(version),
    }


def _silver_schema(contract: c.TableContract) -> pa.Schema:
    types = {
        "string": pa.string(),
        "int": pa.int32(),
        "timestamptz": pa.timestamp("us", tz="UTC"),
        "decimal(12,2)": pa.decimal128(12, 2),
    }
    return pa.schema([pa.field(col.name, types[col.type]) for col in contract.columns])


def gold(
    *,
    orders: list[Row] | None = None,
    items: list[Row] | None = None,
    events: list[Row] | None = None,
    customers: list[Row] | None = None,
    products: list[Row] | None = None,
    day: dt.date = D,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, list[Row]]:
    """compute_gold over the given silver rows; each gold table as a list of row dicts."""
    con = con or duckdb.connect()
    given = {
        "orders": orders,
        "order_items": items,
        "events": events,
        "customers": customers if customers is not None else [customer("c1")],
        "products": products if products is not None else [product("p1")],
    }
    for name, rows in given.items():
        schema = _silver_schema(c.SILVER_TABLES[name])
        con.register(SILVER_RELATIONS[name], pa.Table.from_pylist(rows or [], schema=schema))
    result = compute_gold(con, day)
    for name, table in result.items():
        assert table.schema == gold_arrow_schema(name), name
    return {name: table.to_pylist() for name, table in result.items()}


def only(rows: list[Row]) -> Row:
    assert len(rows) == 1, rows
    return rows[0]


def by(rows: list[Row], key: str) -> dict[Any, Row]:
    return {r[key]: r for r in rows}


def summary(result: dict[str, list[Row]]) -> Row:
    return only(result["daily_sales_summary"])


def rejected(result: dict[str, list[Row]]) -> set[tuple[str, str, int]]:
    return {(r["source_table"], r["reason"], r["rejected_count"]) for r in result["rejected_rows"]}


# --- shapes --------------------------------------------------------------------------------


def test_output_columns_are_the_contracts_without_computed_at() -> None:
    for name, rows in gold(orders=[order("o1")], items=[item("o1")]).items():
        contract = c.GOLD_TABLES[name]
        expected = [col for col in contract.column_names if col != "computed_at"]
        assert gold_arrow_schema(name).names == expected
        assert all(list(r) == expected for r in rows)
    assert gold_arrow_schema("daily_sales_summary").field("gross_revenue").type == pa.decimal128(18, 2)
    assert gold_arrow_schema("product_performance_analytics").field("revenue_rank").type == pa.int32()
    ts_type = gold_arrow_schema("daily_customer_analytics").field("first_activity_ts").type
    assert ts_type == pa.timestamp("us", tz="UTC")


def test_temp_tables_dropped_and_time_zone_restored() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/Los_Angeles'")
    first = gold(orders=[order("o1")], items=[item("o1")], con=con)
    assert con.execute("SELECT current_setting('TimeZone')").fetchone() == ("America/Los_Angeles",)
    leftovers = con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_gp_%'").fetchall()
    assert leftovers == []
    # A rerun of the day gives the same rows.
    assert gold(orders=[order("o1")], items=[item("o1")], con=con) == first


# --- current versions -------------------------------------------------------------------------


def test_latest_ingested_version_of_each_fact_wins() -> None:
    result = gold(
        orders=[order("o1", status="cancelled", version=1), order("o1", status="paid", version=2)],
        items=[item("o1", quantity=1, version=3), item("o1", quantity=3, version=2)],
        events=[event("e1"), event("e1"), event("e2", "product_view", product_id="p1")],
    )
    s = summary(result)
    assert (s["orders"], s["cancelled_orders"], s["units_sold"]) == (1, 0, 1)
    assert s["gross_revenue"] == Decimal("10.00")
    assert only(result["daily_customer_analytics"])["events"] == 2
    assert result["rejected_rows"] == []


def test_dimension_current_version_even_if_ingested_after_the_day() -> None:
    result = gold(
        orders=[order("o1")],
        items=[item("o1")],
        customers=[
            customer("c1", segment="vip", country="FR", version=2),
            customer("c1", segment="consumer", country="DE", version=1),
        ],
        products=[product("p1", category="toys", brand="b2", version=9), product("p1", version=1)],
    )
    cust = only(result["daily_customer_analytics"])
    assert (cust["segment"], cust["country"]) == ("vip", "FR")
    prod = only(result["product_performance_analytics"])
    assert (prod["category"], prod["brand"]) == ("toys", "b2")
    assert summary(result)["top_category"] == "toys"


def test_validity_is_judged_on_the_current_version_only() -> None:
    # o1: a bad old version, a good current one -> valid, nothing rejected.
    # o2: a good old version, a bad current one -> rejected once, its item orphaned.
    result = gold(
        orders=[
            order("o1", customer_id=None, version=1),
            order("o1", version=2),
            order("o2", version=1),
            order("o2", status="lost", version=2),
        ],
        items=[item("o1"), item("o2")],
    )
    assert rejected(result) == {("orders", "bad_status", 1), ("order_items", "orphan_item", 1)}
    assert summary(result)["orders"] == 1
    assert summary(result)["units_sold"] == 1


def test_current_version_is_taken_among_the_days_rows() -> None:
    # A later version of o1 moved to the next day: on D the day's own latest version counts.
    rows = [order("o1", at="10:00", version=1), order("o1", at="2024-03-11T10:00:00", version=2)]
    assert summary(gold(orders=rows))["orders"] == 1
    assert summary(gold(orders=rows, day=dt.date(2024, 3, 11)))["orders"] == 1


# --- rejections ------------------------------------------------------------------------------


def test_order_rejections_and_their_precedence() -> None:
    result = gold(
        orders=[
            order("o1", customer_id=None),
            order("o2", customer_id=None, status="bogus"),  # both rules: the first wins
            order("o3", status=None),
            order("o4", status="refunded"),
            order("o5", status="Paid"),  # statuses are case sensitive
            order("o6"),
        ],
    )
    assert rejected(result) == {("orders", "missing_customer", 2), ("orders", "bad_status", 3)}
    assert summary(result)["orders"] == 1


def test_order_item_rejections_and_their_precedence() -> None:
    result = gold(
        orders=[order("o1"), order("o_bad", customer_id=None)],
        items=[
            item("o_missing", 1),
            item("o_bad", 1),  # order exists but is rejected -> orphan
            item("o_missing", 2, product_id=None, quantity=0),  # orphan before missing_product
            item("o1", 1, product_id=None, quantity=0),  # missing_product before bad_quantity
            item("o1", 2, quantity=0),
            item("o1", 3, quantity=-1),
            item("o1", 4, quantity=None, price="-1.00"),  # bad_quantity before bad_price
            item("o1", 5, price=None),
            item("o1", 6, price="-0.01", discount="-1.00"),  # bad_price before bad_discount
            item("o1", 7, discount="-0.01"),
            item("o1", 8, quantity=2, price="5.00", discount="10.01"),
            item("o1", 9, quantity=2, price="5.00", discount="10.00"),  # == gross: valid
            item("o1", 10, price="0.00"),  # free: valid
            item("o1", 11, discount=None),  # null discount: valid
        ],
    )
    assert rejected(result) == {
        ("orders", "missing_customer", 1),
        ("order_items", "orphan_item", 3),
        ("order_items", "missing_product", 1),
        ("order_items", "bad_quantity", 3),
        ("order_items", "bad_price", 2),
        ("order_items", "bad_discount", 2),
    }
    s = summary(result)
    assert s["units_sold"] == 2 + 1 + 1
    assert (s["gross_revenue"], s["discount_total"], s["net_revenue"]) == (
        Decimal("20.00"),
        Decimal("10.00"),
        Decimal("10.00"),
    )


def test_event_rejections_and_their_precedence() -> None:
    result = gold(
        events=[
            event("e1", event_type=None),
            event("e2", event_type="click", product_id=None),
            event("e3", event_type="PRODUCT_VIEW"),
            event("e4", "product_view", product_id=None),
            event("e5", "add_to_cart", product_id=None),
            event("e6", "remove_from_cart", product_id=None, customer_id=None),  # anonymous too
            event("e7", "page_view", product_id=None),  # not a product event: valid
            event("e8", "purchase"),
            event("e9", "checkout_start"),
        ],
    )
    assert rejected(result) == {("events", "bad_event_type", 3), ("events", "missing_product", 3)}
    assert only(result["daily_customer_analytics"])["events"] == 3
    assert result["product_performance_analytics"] == []


@pytest.mark.parametrize("source", list(c.REJECTION_REASONS))
def test_sql_tries_reasons_in_the_contracts_order(source: str) -> None:
    from goldpipe.checks.reference import queries

    sql = {
        "orders": queries.STAGE_ORDERS,
        "order_items": queries.STAGE_ORDER_ITEMS,
        "events": queries.STAGE_EVENTS,
    }[source]
    positions = [sql.index(f"THEN '{reason}'") for reason in c.REJECTION_REASONS[source]]
    assert positions == sorted(positions)


def test_rejected_rows_lists_only_reasons_that_occurred() -> None:
    result = gold(orders=[order("o1", status="x")], items=[item("o1")])
    assert result["rejected_rows"] == [
        {"event_date": D, "source_table": "order_items", "reason": "orphan_item", "rejected_count": 1},
        {"event_date": D, "source_table": "orders", "reason": "bad_status", "rejected_count": 1},
    ]


def test_rejected_rows_count_nowhere_else() -> None:
    result = gold(
        orders=[order("o1", customer_id=None), order("o2", customer_id="c2", status="x")],
        items=[item("o1"), item("o2")],
        events=[event("e1", "add_to_cart", product_id=None), event("e2", "nope", product_id="p1")],
    )
    s = summary(result)
    assert (s["orders"], s["cancelled_orders"], s["customers"], s["units_sold"]) == (0, 0, 0, 0)
    assert result["daily_customer_analytics"] == []
    assert result["product_performance_analytics"] == []


# --- the business day ---------------------------------------------------------------------------


def test_midnight_boundaries() -> None:
    result = gold(
        orders=[
            order("o_prev", at="2024-03-09T23:59:59.999999"),
            order("o_first", at="00:00:00"),
            order("o_last", at="23:59:59.999999"),
            order("o_next", at="2024-03-11T00:00:00"),
            order("o_next_bad", customer_id=None, at="2024-03-11T00:00:00"),
        ],
        items=[
            item("o_prev", at="2024-03-09T23:59:59.999999"),
            item("o_first", at="00:00:00"),
            item("o_last", at="23:59:59.999999"),
            item("o_next", at="2024-03-11T00:00:00"),
        ],
        events=[
            event("e_prev", at="2024-03-09T23:59:59.999999"),
            event("e_first", at="00:00:00.000001"),
            event("e_last", at="23:59:59.999998"),
            event("e_next", "bogus", at="2024-03-11T00:00:00"),
        ],
    )
    s = summary(result)
    assert (s["event_date"], s["orders"], s["units_sold"]) == (D, 2, 2)
    assert result["rejected_rows"] == []
    cust = only(result["daily_customer_analytics"])
    assert cust["events"] == 2
    assert cust["first_activity_ts"] == ts("00:00:00")
    assert cust["last_activity_ts"] == ts("23:59:59.999999")


def test_an_item_belongs_to_the_day_of_its_own_order_ts() -> None:
    # The item's order_ts says yesterday, so on D it is not read and not orphaned either.
    result = gold(orders=[order("o1")], items=[item("o1", at="2024-03-09T12:00:00")])
    assert summary(result)["units_sold"] == 0
    assert result["rejected_rows"] == []


def test_session_time_zone_does_not_move_the_day() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Pacific/Kiritimati'")  # UTC+14
    result = gold(
        orders=[order("o1", at="23:30"), order("o2", at="2024-03-09T23:30:00")],
        customers=[customer("c1", signup="23:30")],
        con=con,
    )
    assert summary(result)["orders"] == 1
    assert only(result["daily_customer_analytics"])["is_new_customer"] is True


# --- orders and statuses ---------------------------------------------------------------------


def test_cancelled_orders_are_not_counted_returned_orders_are() -> None:
    result = gold(
        orders=[
            order("o1", "c1", "paid"),
            order("o2", "c2", "returned"),
            order("o3", "c3", "cancelled", at="18:00"),
            order("o4", "c1", "delivered"),
        ],
        items=[
            item("o1", quantity=1),
            item("o2", quantity=2),
            item("o3", quantity=4),
            item("o4", quantity=8),
        ],
        customers=[customer("c1"), customer("c2"), customer("c3")],
    )
    s = summary(result)
    assert (s["orders"], s["cancelled_orders"], s["customers"], s["units_sold"]) == (3, 1, 2, 11)
    assert result["rejected_rows"] == []  # the cancelled order's item is valid, just not counted
    customers = by(result["daily_customer_analytics"], "customer_id")
    assert set(customers) == {"c1", "c2", "c3"}
    c3 = customers["c3"]  # active through a cancelled order only
    assert (c3["orders"], c3["units"], c3["net_revenue"]) == (0, 0, Decimal("0.00"))
    assert c3["first_activity_ts"] == c3["last_activity_ts"] == ts("18:00")
    assert (customers["c1"]["orders"], customers["c1"]["units"]) == (2, 9)
    prod = only(result["product_performance_analytics"])
    assert (prod["orders"], prod["units_sold"]) == (3, 11)


def test_day_without_orders_has_one_summary_row() -> None:
    result = gold()
    assert summary(result) == {
        "event_date": D,
        "orders": 0,
        "cancelled_orders": 0,
        "customers": 0,
        "units_sold": 0,
        "gross_revenue": Decimal("0.00"),
        "discount_total": Decimal("0.00"),
        "net_revenue": Decimal("0.00"),
        "avg_order_value": None,
        "top_category": None,
    }
    assert result["daily_customer_analytics"] == []
    assert result["product_performance_analytics"] == []
    assert result["rejected_rows"] == []


def test_day_with_only_cancelled_orders() -> None:
    s = summary(gold(orders=[order("o1", status="cancelled")], items=[item("o1")]))
    assert (s["orders"], s["cancelled_orders"], s["units_sold"]) == (0, 1, 0)
    assert (s["avg_order_value"], s["top_category"]) == (None, None)


def test_counted_order_without_valid_items() -> None:
    s = summary(gold(orders=[order("o1")], items=[item("o1", quantity=0)]))
    assert (s["orders"], s["units_sold"], s["net_revenue"]) == (1, 0, Decimal("0.00"))
    assert s["avg_order_value"] == Decimal("0.00")
    assert s["top_category"] is None


# --- money ------------------------------------------------------------------------------------


def test_revenue_and_discounts() -> None:
    result = gold(
        orders=[order("o1"), order("o2")],
        items=[
            item("o1", 1, quantity=3, price="19.99", discount="5.00"),
            item("o1", 2, quantity=1, price="0.01", discount=None),
            item("o2", 1, quantity=2, price="100.00", discount="0.00"),
        ],
    )
    s = summary(result)
    assert s["gross_revenue"] == Decimal("259.98")
    assert s["discount_total"] == Decimal("5.00")
    assert s["net_revenue"] == Decimal("254.98")
    assert s["avg_order_value"] == Decimal("127.49")


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        # 0.29 / 2 = 0.145 exactly; in double it is 0.14499999..., which rounds down.
        (["0.29"], "0.15"),
        (["0.05"], "0.03"),  # 0.025 -> 0.03
        (["0.03"], "0.02"),  # 0.015 -> 0.02
        (["10.00"], "5.00"),
        (["0.01"], "0.01"),  # 0.005 -> 0.01
    ],
)
def test_avg_order_value_rounds_half_up_exactly(prices: list[str], expected: str) -> None:
    result = gold(
        orders=[order("o1"), order("o2")],
        items=[item("o1", i, price=p) for i, p in enumerate(prices, start=1)],
    )
    assert summary(result)["avg_order_value"] == Decimal(expected)


def test_avg_order_value_below_half_rounds_down() -> None:
    # 10.00 / 3 = 3.333...
    result = gold(orders=[order("o1"), order("o2"), order("o3")], items=[item("o1")])
    assert summary(result)["avg_order_value"] == Decimal("3.33")


# --- categories ------------------------------------------------------------------------------


def test_unknown_product_and_null_category_are_unknown() -> None:
    result = gold(
        orders=[order("o1")],
        items=[
            item("o1", 1, product_id="p_ghost", price="7.00"),
            item("o1", 2, product_id="p2", price="4.00"),
        ],
        products=[product("p2", category=None, brand="b2")],
    )
    products = by(result["product_performance_analytics"], "product_id")
    assert (products["p_ghost"]["category"], products["p_ghost"]["brand"]) == ("unknown", None)
    assert (products["p2"]["category"], products["p2"]["brand"]) == ("unknown", "b2")
    assert summary(result)["top_category"] == "unknown"
    assert result["rejected_rows"] == []


def test_top_category_greatest_net_revenue() -> None:
    result = gold(
        orders=[order("o1")],
        items=[
            item("o1", 1, product_id="pa", price="5.00"),
            item("o1", 2, product_id="pz", price="3.00"),
            item("o1", 3, product_id="pz2", price="3.00"),
            # Gross decides nothing: net revenue does.
            item("o1", 4, product_id="pa", price="9.00", discount="9.00"),
        ],
        products=[product("pa", "apparel"), product("pz", "zoo"), product("pz2", "zoo")],
    )
    assert summary(result)["top_category"] == "zoo"


def test_top_category_tie_goes_to_the_alphabetically_first() -> None:
    result = gold(
        orders=[order("o1")],
        items=[
            item("o1", 1, product_id="p1"),
            item("o1", 2, product_id="p2"),
            item("o1", 3, product_id="p3"),
        ],
        products=[product("p1", "books"), product("p2", "apparel"), product("p3", "unknown")],
    )
    assert summary(result)["top_category"] == "apparel"
    # Binary order: upper case sorts before lower case.
    result = gold(
        orders=[order("o1")],
        items=[item("o1", 1, product_id="p1"), item("o1", 2, product_id="p2")],
        products=[product("p1", "apparel"), product("p2", "Zines")],
    )
    assert summary(result)["top_category"] == "Zines"


def test_top_category_counts_only_counted_orders() -> None:
    result = gold(
        orders=[order("o1"), order("o2", status="cancelled")],
        items=[item("o1", product_id="p1"), item("o2", product_id="p2", price="99.00")],
        products=[product("p1", "books"), product("p2", "games")],
    )
    assert summary(result)["top_category"] == "books"


# --- customers -------------------------------------------------------------------------------


def test_unknown_customer() -> None:
    result = gold(orders=[order("o1", customer_id="c_ghost")], items=[item("o1")], customers=[])
    assert summary(result)["customers"] == 1
    cust = only(result["daily_customer_analytics"])
    assert cust["customer_id"] == "c_ghost"
    assert (cust["segment"], cust["country"], cust["is_new_customer"]) == (None, None, False)


@pytest.mark.parametrize(
    ("signup", "expected"),
    [
        ("00:00:00", True),
        ("23:59:59.999999", True),
        ("2024-03-09T23:59:59.999999", False),
        ("2024-03-11T00:00:00", False),
        ("2020-01-01T00:00:00", False),
        (None, False),
    ],
)
def test_is_new_customer(signup: str | None, expected: bool) -> None:
    result = gold(events=[event("e1")], customers=[customer("c1", signup=signup)])
    assert only(result["daily_customer_analytics"])["is_new_customer"] is expected


def test_customer_activity_metrics() -> None:
    result = gold(
        orders=[order("o1", at="07:00"), order("o2", status="cancelled", at="23:00")],
        items=[
            item("o1", 1, quantity=2, price="3.50", discount="1.00"),
            item("o1", 2, product_id="p2", quantity=1),
        ],
        events=[
            event("e0", "bogus", at="01:00"),  # rejected: no activity
            event("e1", "page_view", session_id="s1", at="08:00"),
            event("e2", "product_view", product_id="p1", session_id="s1", at="09:00"),
            event("e3", "product_view", product_id="p2", session_id="s2", at="10:00"),
            event("e4", "add_to_cart", product_id="p1", session_id=None, at="11:00"),
            event("e5", "remove_from_cart", product_id="p1", session_id="s3", at="22:00"),
            event("e6", "purchase", session_id="s3", at="22:30"),
            event("e7", "page_view", customer_id="c2", session_id="s9", at="05:00"),
        ],
        customers=[customer("c1", segment="business", country="US"), customer("c2")],
        products=[product("p1"), product("p2")],
    )
    customers = by(result["daily_customer_analytics"], "customer_id")
    assert customers["c1"] == {
        "event_date": D,
        "customer_id": "c1",
        "segment": "business",
        "country": "US",
        "sessions": 3,
        "events": 6,
        "product_views": 2,
        "add_to_carts": 1,
        "orders": 1,
        "units": 3,
        "net_revenue": Decimal("16.00"),
        "first_activity_ts": ts("07:00"),
        "last_activity_ts": ts("23:00"),
        "is_new_customer": False,
    }
    c2 = customers["c2"]  # events only
    assert (c2["sessions"], c2["events"], c2["orders"], c2["net_revenue"]) == (1, 1, 0, Decimal("0.00"))
    assert c2["first_activity_ts"] == c2["last_activity_ts"] == ts("05:00")


def test_anonymous_events_count_for_products_not_customers() -> None:
    result = gold(
        events=[
            event("e1", "product_view", customer_id=None, product_id="p1"),
            event("e2", "add_to_cart", customer_id=None, product_id="p1"),
            event("e3", "page_view", customer_id=None),
            event("e4", "add_to_cart", customer_id=None, product_id=None),  # still rejected
        ],
    )
    assert result["daily_customer_analytics"] == []
    prod = only(result["product_performance_analytics"])
    assert (prod["views"], prod["add_to_carts"]) == (1, 1)
    assert rejected(result) == {("events", "missing_product", 1)}


# --- products ---------------------------------------------------------------------------------


def test_product_metrics_and_rates() -> None:
    result = gold(
        orders=[order("o1"), order("o2"), order("o3", status="cancelled")],
        items=[
            item("o1", 1, product_id="p1", quantity=2, price="5.00"),
            item("o1", 2, product_id="p1", quantity=1, price="5.00", discount="1.00"),  # same order
            item("o2", 1, product_id="p1", quantity=1, price="5.00"),
            item("o3", 1, product_id="p1", quantity=5, price="5.00"),  # cancelled
            item("o2", 2, product_id="p2", quantity=1, price="1.00"),
        ],
        events=[
            event("e1", "product_view", product_id="p1"),
            event("e2", "product_view", product_id="p1"),
            event("e3", "product_view", product_id="p1"),
            event("e4", "add_to_cart", product_id="p1"),
            event("e5", "remove_from_cart", product_id="p1"),
            event("e6", "remove_from_cart", product_id="p3"),
            # A product_id on a non-product event type is ignored.
            event("e7", "page_view", product_id="p4"),
            event("e8", "purchase", product_id="p1"),
        ],
        products=[product("p1", "books", "acme"), product("p2", "games", None)],
    )
    products = by(result["product_performance_analytics"], "product_id")
    assert set(products) == {"p1", "p2", "p3"}
    assert products["p1"] == {
        "event_date": D,
        "product_id": "p1",
        "category": "books",
        "brand": "acme",
        "views": 3,
        "add_to_carts": 1,
        "remove_from_carts": 1,
        "orders": 2,
        "units_sold": 4,
        "net_revenue": Decimal("19.00"),
        "view_to_order_rate": 2 / 3,
        "cart_to_order_rate": 2.0,
        "revenue_rank": 1,
    }
    p2 = products["p2"]  # sold without views or carts
    assert (p2["views"], p2["view_to_order_rate"], p2["cart_to_order_rate"]) == (0, None, None)
    assert (p2["brand"], p2["revenue_rank"]) == (None, 2)
    p3 = products["p3"]  # events only, unknown product
    assert (p3["category"], p3["orders"], p3["net_revenue"], p3["revenue_rank"]) == (
        "unknown",
        0,
        Decimal("0.00"),
        3,
    )


def test_revenue_rank_is_unique_ties_by_product_id() -> None:
    result = gold(
        orders=[order("o1")],
        items=[
            item("o1", 1, product_id="p2", price="5.00"),
            item("o1", 2, product_id="p1", price="5.00"),
            item("o1", 3, product_id="p3", price="5.01"),
            item("o1", 4, product_id="p0", price="4.99"),
        ],
        events=[event("e1", "product_view", product_id="p5"), event("e2", "product_view", product_id="p4")],
    )
    ranks = {r["product_id"]: r["revenue_rank"] for r in result["product_performance_analytics"]}
    assert ranks == {"p3": 1, "p1": 2, "p2": 3, "p0": 4, "p4": 5, "p5": 6}


# --- invariants ------------------------------------------------------------------------------


def _random_silver(seed: int) -> dict[str, list[Row]]:
    rng = random.Random(seed)
    statuses: list[str | None] = [*c.ORDER_STATUSES, None, "lost"]
    event_types: list[str | None] = [*c.EVENT_TYPES, None, "click"]
    hours = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)] + ["2024-03-11T00:00:00"]
    orders, items, events = [], [], []
    for n in range(120):
        oid, at = f"o{n}", rng.choice(hours)
        customer_id = rng.choice([None, *(f"c{i}" for i in range(15))])
        for version in range(rng.randint(1, 3)):
            orders.append(order(oid, customer_id, rng.choice(statuses), at=at, version=version))
        for line in range(rng.randint(0, 4)):
            quantity = rng.choice([None, -1, 0, 1, 2, 3, 7])
            price = rng.choice([None, "-1.00", "0.00", "0.99", "12.34", "250.00"])
            discount = rng.choice([None, "-0.50", "0.00", "0.10", "5.00", "1000.00"])
            pid = rng.choice([None, *(f"p{i}" for i in range(12))])
            for version in range(rng.randint(1, 2)):
                items.append(
                    item(
                        oid,
                        line,
                        pid,
                        quantity=quantity,
                        price=price,
                        discount=discount,
                        at=at,
                        version=version,
                    )
                )
    for n in range(300):
        pid = rng.choice([None, *(f"p{i}" for i in range(14))])
        cid = rng.choice([None, *(f"c{i}" for i in range(18))])
        events.append(
            event(
                f"e{n}",
                rng.choice(event_types),
                customer_id=cid,
                product_id=pid,
                session_id=rng.choice(["s1", "s2", None]),
                at=rng.choice(hours),
            )
        )
    customers = [
        customer(f"c{i}", signup=rng.choice(["10:00", "2023-05-05T00:00:00", None])) for i in range(12)
    ]
    products = [product(f"p{i}", rng.choice(["books", "games", None])) for i in range(10)]
    return {"orders": orders, "items": items, "events": events, "customers": customers, "products": products}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_contract_invariants(seed: int) -> None:
    silver = _random_silver(seed)
    result = gold(
        orders=silver["orders"],
        items=silver["items"],
        events=silver["events"],
        customers=silver["customers"],
        products=silver["products"],
    )
    s = summary(result)
    customers, products = result["daily_customer_analytics"], result["product_performance_analytics"]
    assert sum(p["units_sold"] for p in products) == s["units_sold"]
    assert sum(p["net_revenue"] for p in products) == s["net_revenue"]
    assert sum(r["net_revenue"] for r in customers) == s["net_revenue"]
    assert sum(r["units"] for r in customers) == s["units_sold"]
    assert sum(r["orders"] for r in customers) == s["orders"]
    assert s["gross_revenue"] - s["discount_total"] == s["net_revenue"]
    assert s["orders"] > 0 and s["units_sold"] > 0 and result["rejected_rows"]  # the data exercises them
    for name, rows in result.items():
        key = c.GOLD_TABLES[name].key
        keys = [tuple(r[k] for k in key) for r in rows]
        assert len(set(keys)) == len(keys)
        assert all(v is not None for k in keys for v in k)
        for col in c.GOLD_TABLES[name].columns:
            if col.type in ("long", "decimal(18,2)", "int"):
                assert all(r[col.name] is None or r[col.name] >= 0 for r in rows), (name, col.name)
    assert sorted(p["revenue_rank"] for p in products) == list(range(1, len(products) + 1))
    assert all(r["rejected_count"] > 0 for r in result["rejected_rows"])
    assert all(r["first_activity_ts"] <= r["last_activity_ts"] for r in customers)
    assert all(r["event_date"] == D for rows in result.values() for r in rows)


# --- register_silver against a real Iceberg catalog --------------------------------------------


@pytest.fixture
def catalog(tmp_path: Path) -> Any:
    from pyiceberg.catalog.sql import SqlCatalog

    return SqlCatalog(
        "test", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=(tmp_path / "wh").as_uri()
    )


def _append(catalog: Any, contract: c.TableContract, rows: list[Row]) -> None:
    from goldpipe.lakehouse.schema import arrow_schema

    table = catalog.load_table(contract.identifier)
    table.append(pa.Table.from_pylist(rows, schema=arrow_schema(contract)))


def _seed_two_days(catalog: Any) -> None:
    from goldpipe.lakehouse.schema import create_table

    for contract in c.SILVER_TABLES.values():
        create_table(catalog, contract)
    nxt = "2024-03-11T"
    _append(
        catalog, c.ORDERS, [order("o1"), order("o2", at="23:59:59.999999"), order("o3", at=nxt + "00:00:00")]
    )
    _append(
        catalog,
        c.ORDER_ITEMS,
        [
            item("o1", quantity=2),
            item("o2", at="23:59:59.999999"),
            item("o3", quantity=5, at=nxt + "00:00:00"),
        ],
    )
    _append(catalog, c.EVENTS, [event("e1"), event("e2", at=nxt + "01:00:00")])
    _append(catalog, c.CUSTOMERS, [customer("c1", version=1), customer("c1", segment="vip", version=2)])
    _append(catalog, c.PRODUCTS, [product("p1")])


def _data_files(catalog: Any, contract: c.TableContract) -> list[str]:
    table = catalog.load_table(contract.identifier)
    return [task.file.file_path for task in table.scan().plan_files()]


@pytest.mark.parametrize("method", ["read_parquet", "arrow"])
def test_register_silver_reads_only_the_days_files(catalog: Any, method: Any) -> None:
    _seed_two_days(catalog)
    for contract in (c.ORDERS, c.ORDER_ITEMS, c.EVENTS):
        assert len(_data_files(catalog, contract)) == 2  # one file per day partition
    # Remove the next day's files from disk: the day D run must not even open them.
    for contract in (c.ORDERS, c.ORDER_ITEMS, c.EVENTS):
        for path in _data_files(catalog, contract):
            if "2024-03-11" in path:
                Path(path.removeprefix("file://")).unlink()

    con = duckdb.connect()
    counts = register_silver(con, catalog, D, method=method)
    assert counts == {"customers": 1, "products": 1, "orders": 1, "order_items": 1, "events": 1}
    assert sorted(r[0] for r in con.execute("SELECT order_id FROM silver_orders").fetchall()) == ["o1", "o2"]
    names = [d[0] for d in con.execute("SELECT * FROM silver_order_items").description]
    assert names == list(c.ORDER_ITEMS.column_names)
    result = {name: t.to_pylist() for name, t in compute_gold(con, D).items()}
    s = summary(result)
    assert (s["orders"], s["units_sold"], s["net_revenue"]) == (2, 3, Decimal("30.00"))
    assert only(result["daily_customer_analytics"])["segment"] == "vip"

    # The other day really is gone, so it was not read above.
    with pytest.raises(Exception, match=r"(?i)no such file|not found|does not exist|IO Error"):
        register_silver(con, catalog, dt.date(2024, 3, 11), method=method)
        compute_gold(con, dt.date(2024, 3, 11))


def test_register_silver_day_without_files(catalog: Any) -> None:
    _seed_two_days(catalog)
    con = duckdb.connect()
    counts = register_silver(con, catalog, dt.date(2024, 3, 1))
    assert counts["orders"] == counts["order_items"] == counts["events"] == 0
    s = summary({n: t.to_pylist() for n, t in compute_gold(con, dt.date(2024, 3, 1)).items()})
    assert (s["orders"], s["avg_order_value"]) == (0, None)


def test_register_silver_from_another_writer(catalog: Any) -> None:
    """Extra columns, other field ids, a renamed column and other column types still read."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField, StringType, TimestamptzType

    from goldpipe.lakehouse.schema import create_table

    for contract in c.SILVER_TABLES.values():
        if contract is not c.ORDERS:
            create_table(catalog, contract)
    schema = Schema(
        NestedField(7, "note", StringType()),
        NestedField(3, "order_ts", TimestamptzType(), required=True),
        NestedField(11, "order_id", StringType(), required=True),
        NestedField(5, "buyer", StringType()),  # renamed to customer_id below
        NestedField(9, "status", StringType()),
        NestedField(2, "channel", StringType()),
        NestedField(4, "ingested_at", TimestamptzType(), required=True),
        NestedField(8, "score", LongType()),
    )
    table = catalog.create_table("silver.orders", schema=schema)  # unpartitioned, other ids
    assert table.schema().find_field("order_id").field_id != 1
    table.append(
        pa.Table.from_pylist(
            [
                {"note": "x", "order_ts": ts("12:00"), "order_id": "o1", "buyer": "c1", "status": "paid",
                 "channel": "app", "ingested_at": ingested(1), "score": 3},
                {"note": "y", "order_ts": ts("2024-03-11T12:00:00"), "order_id": "o2", "buyer": "c1",
                 "status": "paid", "channel": "app", "ingested_at": ingested(1), "score": 4},
            ],
            schema=table.schema().as_arrow(),  # create_table assigns fresh field ids
        )
    )  # fmt: skip
    with table.update_schema() as update:
        update.rename_column("buyer", "customer_id")
    _append(catalog, c.ORDER_ITEMS, [item("o1", quantity=4)])
    con = duckdb.connect()
    register_silver(con, catalog, D)
    # Arrow, not fetchall: DuckDB's Python conversion of timestamptz needs pytz.
    # Only the day's row, though the unpartitioned table's one file holds both days.
    assert con.sql("SELECT * FROM silver_orders").to_arrow_table().to_pylist() == [
        {
            "order_id": "o1",
            "customer_id": "c1",
            "order_ts": ts("12:00"),
            "status": "paid",
            "channel": "app",
            "ingested_at": ingested(1),
        },
    ]
    result = {n: t.to_pylist() for n, t in compute_gold(con, D).items()}
    assert (summary(result)["orders"], summary(result)["units_sold"]) == (1, 4)
    assert only(result["daily_customer_analytics"])["customer_id"] == "c1"


def test_register_silver_missing_column_is_a_contract_error(catalog: Any) -> None:
    from pyiceberg.schema import Schema
    from pyiceberg.types import NestedField, StringType, TimestamptzType

    from goldpipe.lakehouse.schema import create_table

    for contract in c.SILVER_TABLES.values():
        if contract is not c.PRODUCTS:
            create_table(catalog, contract)
    catalog.create_table(
        "silver.products",
        schema=Schema(
            NestedField(1, "product_id", StringType(), required=True),
            NestedField(2, "ingested_at", TimestamptzType(), required=True),
        ),
    )
    with pytest.raises(
        SilverContractError, match=r"silver\.products lacks contract column\(s\): name, category"
    ):
        register_silver(duckdb.connect(), catalog, D)


def test_register_silver_missing_table_is_a_contract_error(catalog: Any) -> None:
    catalog.create_namespace("silver")
    with pytest.raises(SilverContractError, match="does not exist"):
        register_silver(duckdb.connect(), catalog, D)


def test_register_silver_refuses_delete_files(catalog: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyiceberg.table import DataScan, FileScanTask

    _seed_two_days(catalog)
    real_plan_files = DataScan.plan_files

    def with_deletes(self: DataScan) -> list[FileScanTask]:
        # pyiceberg writes no delete files itself; pretend another engine wrote one.
        return [FileScanTask(t.file, delete_files={t.file}) for t in real_plan_files(self)]

    monkeypatch.setattr(DataScan, "plan_files", with_deletes)
    with pytest.raises(SilverContractError, match=r"delete files.*append-only"):
        register_silver(duckdb.connect(), catalog, D)
