"""The DuckDB reading of the data contract on hand-written silver rows: output shapes, current
versions, rejections and their precedence, the business day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from goldpipe.checks.reference.gold import gold_arrow_schema
from goldpipe.core import contract as c
from tests.support.contract_rows import (
    D,
    customer,
    event,
    gold,
    item,
    only,
    order,
    product,
    rejected,
    summary,
    ts,
)

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
