"""The DuckDB reading of the data contract on hand-written silver rows: customer and product
metrics."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.contract_rows import (
    D,
    by,
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
