"""Every rejection rule of the contract, and the precedence between them."""

from __future__ import annotations

import pytest

from spark_apps.transforms.validity import (
    REASON,
    classify_events,
    classify_order_items,
    classify_orders,
    rejection_counts,
    valid,
)
from tests.spark_apps.silver_rows import collect, money, silver, ts

pytestmark = pytest.mark.spark


def _order(order_id, customer_id="c1", status="paid"):
    return {"order_id": order_id, "customer_id": customer_id, "status": status, "order_ts": ts("10:00")}


def _reasons(frame, key):
    return {r[key]: r[REASON] for r in collect(frame)}


@pytest.mark.parametrize(
    ("customer_id", "status", "reason"),
    [
        ("c1", "paid", None),
        ("c1", "cancelled", None),
        ("c1", "returned", None),
        (None, "paid", "missing_customer"),
        ("c1", None, "bad_status"),
        ("c1", "lost", "bad_status"),
        ("c1", "PAID", "bad_status"),
        # Both rules break: the first in the contract's order wins.
        (None, "lost", "missing_customer"),
    ],
)
def test_order_rules(spark, customer_id, status, reason):
    orders = silver(spark, "orders", [_order("o1", customer_id, status)])
    assert _reasons(classify_orders(orders), "order_id") == {"o1": reason}


def _items(spark, orders, items):
    order_rows = silver(spark, "orders", orders)
    base = {"order_ts": ts("10:00"), "product_id": "p1", "quantity": 1, "unit_price": money("10.00")}
    item_rows = silver(spark, "order_items", [{**base, **i} for i in items])
    return classify_order_items(item_rows, valid(classify_orders(order_rows)))


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({}, None),
        ({"discount_amount": None}, None),
        ({"discount_amount": money("10.00")}, None),  # discount equal to the line: allowed
        ({"order_id": "missing"}, "orphan_item"),
        ({"order_id": "bad"}, "orphan_item"),  # its order exists but is rejected
        ({"product_id": None}, "missing_product"),
        ({"quantity": None}, "bad_quantity"),
        ({"quantity": 0}, "bad_quantity"),
        ({"quantity": -2}, "bad_quantity"),
        ({"unit_price": None}, "bad_price"),
        ({"unit_price": money("-0.01")}, "bad_price"),
        ({"unit_price": money("0.00")}, None),
        ({"discount_amount": money("-0.01")}, "bad_discount"),
        ({"discount_amount": money("10.01")}, "bad_discount"),
        ({"quantity": 3, "unit_price": money("2.50"), "discount_amount": money("7.50")}, None),
        ({"quantity": 3, "unit_price": money("2.50"), "discount_amount": money("7.51")}, "bad_discount"),
        # Precedence: each row breaks several rules; the earliest in the contract's list wins.
        ({"order_id": "missing", "product_id": None, "quantity": 0}, "orphan_item"),
        ({"product_id": None, "quantity": 0, "unit_price": None}, "missing_product"),
        ({"quantity": 0, "unit_price": money("-1.00"), "discount_amount": money("-1.00")}, "bad_quantity"),
        ({"unit_price": None, "discount_amount": money("-1.00")}, "bad_price"),
    ],
)
def test_item_rules(spark, item, reason):
    orders = [_order("o1"), _order("bad", customer_id=None)]
    classified = _items(spark, orders, [{"order_id": "o1", "line_number": 1, **item}])
    assert _reasons(classified, "line_number") == {1: reason}


def test_items_of_a_cancelled_order_are_valid_and_carry_the_status(spark):
    classified = _items(spark, [_order("o1", status="cancelled")], [{"order_id": "o1", "line_number": 1}])
    [row] = collect(classified)
    assert row[REASON] is None
    assert row["order_status"] == "cancelled"
    assert row["order_customer_id"] == "c1"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"event_type": "page_view"}, None),
        ({"event_type": "page_view", "product_id": None}, None),
        ({"event_type": "purchase", "product_id": None}, None),
        ({"event_type": "checkout_start"}, None),
        ({"event_type": "product_view", "product_id": "p1"}, None),
        ({"event_type": None}, "bad_event_type"),
        ({"event_type": "click"}, "bad_event_type"),
        ({"event_type": "product_view", "product_id": None}, "missing_product"),
        ({"event_type": "add_to_cart", "product_id": None}, "missing_product"),
        ({"event_type": "remove_from_cart", "product_id": None}, "missing_product"),
        # Anonymous visitors are valid events.
        ({"event_type": "product_view", "product_id": "p1", "customer_id": None}, None),
    ],
)
def test_event_rules(spark, event, reason):
    events = silver(spark, "events", [{"event_id": "e1", "event_ts": ts("10:00"), **event}])
    assert _reasons(classify_events(events), "event_id") == {"e1": reason}


def test_rejection_counts_group_by_first_reason(spark):
    orders = silver(
        spark,
        "orders",
        [_order("o1", None), _order("o2", None, "lost"), _order("o3", "c1", "lost"), _order("o4")],
    )
    counts = {
        r["reason"]: r["rejected_count"] for r in collect(rejection_counts(classify_orders(orders), "orders"))
    }
    assert counts == {"missing_customer": 2, "bad_status": 1}
