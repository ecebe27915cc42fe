"""gold.product_performance_analytics."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spark_apps.pipeline import job_output
from tests.spark_apps.silver_rows import DAY, collect
from tests.support.transform_rows import event, item, order, product

pytestmark = pytest.mark.spark


def rows(day_silver):
    return {r["product_id"]: r for r in collect(job_output("product_performance_analytics", day_silver, DAY))}


def test_funnel_and_sales_of_a_product(day_silver):
    s = day_silver(
        events=[
            event("e1", event_type="product_view", product_id="p1"),
            event("e2", customer_id=None, event_type="product_view", product_id="p1"),
            event("e3", event_type="product_view", product_id="p1"),
            event("e4", event_type="product_view", product_id="p1"),
            event("e5", event_type="add_to_cart", product_id="p1"),
            event("e6", event_type="add_to_cart", product_id="p1"),
            event("e7", event_type="remove_from_cart", product_id="p1"),
            event("e8", event_type="page_view", product_id="p1"),  # not a product event
            event("e9", event_type="purchase", product_id="p1"),  # not a product event
        ],
        orders=[order("o1"), order("o2"), order("o3", status="cancelled")],
        items=[
            item("o1", 1, "p1", quantity=1, price="10.00"),
            item("o1", 2, "p1", quantity=2, price="10.00", discount="5.00"),  # same order: one order
            item("o2", 1, "p1", quantity=1, price="10.00"),
            item("o3", 1, "p1", quantity=9, price="10.00"),  # cancelled: excluded
        ],
        products=[product("p1", "toys", "acme")],
    )
    assert rows(s)["p1"] == {
        "event_date": DAY,
        "product_id": "p1",
        "category": "toys",
        "brand": "acme",
        "views": 4,
        "add_to_carts": 2,
        "remove_from_carts": 1,
        "orders": 2,
        "units_sold": 4,
        "net_revenue": Decimal("35.00"),
        "view_to_order_rate": 0.5,
        "cart_to_order_rate": 1.0,
        "revenue_rank": 1,
    }


def test_rates_are_null_without_views_or_carts(day_silver):
    s = day_silver(orders=[order("o1")], items=[item("o1", 1, "p1")])
    row = rows(s)["p1"]
    assert (row["views"], row["add_to_carts"], row["view_to_order_rate"], row["cart_to_order_rate"]) == (
        0,
        0,
        None,
        None,
    )


def test_viewed_but_not_sold_product(day_silver):
    s = day_silver(events=[event("e1", event_type="product_view", product_id="p9")])
    row = rows(s)["p9"]
    assert (row["orders"], row["units_sold"], row["net_revenue"], row["view_to_order_rate"]) == (
        0,
        0,
        Decimal("0.00"),
        0.0,
    )


def test_unknown_product_and_null_category(day_silver):
    s = day_silver(
        events=[
            event("e1", event_type="add_to_cart", product_id="ghost"),
            event("e2", event_type="add_to_cart", product_id="p1"),
        ],
        products=[product("p1", None, None)],
    )
    result = rows(s)
    assert (result["ghost"]["category"], result["ghost"]["brand"]) == ("unknown", None)
    assert (result["p1"]["category"], result["p1"]["brand"]) == ("unknown", None)


def test_product_only_in_rejected_rows_or_cancelled_orders_is_not_active(day_silver):
    s = day_silver(
        events=[event("e1", event_type="bogus", product_id="p1")],
        orders=[order("o1", status="cancelled"), order("o2")],
        items=[item("o1", 1, "p2"), item("o2", 1, "p3", quantity=0)],
    )
    assert rows(s) == {}


def test_revenue_rank_is_unique_with_ties_by_product_id(day_silver):
    s = day_silver(
        orders=[order("o1")],
        items=[
            item("o1", 1, "b", price="5.00"),
            item("o1", 2, "a", price="5.00"),
            item("o1", 3, "c", price="9.00"),
        ],
        events=[
            event("e1", event_type="product_view", product_id="z"),
            event("e2", event_type="product_view", product_id="y"),
        ],
    )
    ranks = {p: r["revenue_rank"] for p, r in rows(s).items()}
    assert ranks == {"c": 1, "a": 2, "b": 3, "y": 4, "z": 5}
