"""gold.daily_customer_analytics."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spark_apps.pipeline import job_output
from tests.spark_apps.silver_rows import DAY, collect, ts
from tests.support.transform_rows import event, item, order

pytestmark = pytest.mark.spark


def rows(day_silver):
    return {r["customer_id"]: r for r in collect(job_output("daily_customer_analytics", day_silver, DAY))}


def test_customer_with_events_and_orders(day_silver):
    s = day_silver(
        events=[
            event("e1", at="08:00", session="s1"),
            event("e2", event_type="product_view", product_id="p1", at="08:05", session="s1"),
            event("e3", event_type="add_to_cart", product_id="p1", at="08:06", session="s2"),
            event("e4", event_type="product_view", product_id="p1", at="21:00", session=None),
        ],
        orders=[order("o1", at="08:10"), order("o2", status="cancelled", at="23:00")],
        items=[item("o1", 1, quantity=2, price="3.00", discount="1.00"), item("o2", 1, quantity=5)],
        customers=[
            {"customer_id": "c1", "segment": "vip", "country": "DE", "signup_ts": ts("2025-01-01T00:00:00")}
        ],
    )
    assert rows(s)["c1"] == {
        "event_date": DAY,
        "customer_id": "c1",
        "segment": "vip",
        "country": "DE",
        "sessions": 2,  # a null session id is no session
        "events": 4,
        "product_views": 2,
        "add_to_carts": 1,
        "orders": 1,  # the cancelled order is activity but not an order
        "units": 2,
        "net_revenue": Decimal("5.00"),
        "first_activity_ts": ts("08:00"),
        "last_activity_ts": ts("23:00"),  # a cancelled order's time counts as activity
        "is_new_customer": False,
    }


def test_customer_with_only_an_order_and_unknown_to_the_dimension(day_silver):
    s = day_silver(orders=[order("o1", "ghost", at="12:00")], items=[item("o1", 1, price="7.00")])
    row = rows(s)["ghost"]
    assert (row["segment"], row["country"], row["is_new_customer"]) == (None, None, False)
    assert (row["sessions"], row["events"], row["orders"], row["units"]) == (0, 0, 1, 1)
    assert row["net_revenue"] == Decimal("7.00")
    assert row["first_activity_ts"] == row["last_activity_ts"] == ts("12:00")


def test_anonymous_and_invalid_events_are_nobodys_activity(day_silver):
    s = day_silver(
        events=[
            event("e1", customer_id=None),
            event("e2", customer_id="c2", event_type="bogus"),
            event("e3", customer_id="c3", event_type="product_view", product_id=None),
        ]
    )
    assert rows(s) == {}


def test_customer_with_only_a_rejected_order_is_not_active(day_silver):
    s = day_silver(orders=[order("o1", "c1", status="lost")])
    assert rows(s) == {}


@pytest.mark.parametrize(
    ("signup", "expected"),
    [
        ("2026-11-20T00:00:00", True),
        ("2026-11-20T23:59:59.999999", True),
        ("2026-11-19T23:59:59.999999", False),
        ("2026-11-21T00:00:00", False),
        (None, False),
    ],
)
def test_is_new_customer_is_the_utc_signup_date(day_silver, signup, expected):
    s = day_silver(
        events=[event("e1")],
        customers=[{"customer_id": "c1", "signup_ts": ts(signup) if signup else None}],
    )
    assert rows(s)["c1"]["is_new_customer"] is expected


def test_several_customers_and_their_own_revenue(day_silver):
    s = day_silver(
        orders=[order("o1", "c1"), order("o2", "c2"), order("o3", "c2")],
        items=[
            item("o1", 1, price="1.00"),
            item("o2", 1, price="2.00"),
            item("o3", 1, quantity=2, price="3.00"),
        ],
    )
    result = rows(s)
    assert {c: (r["orders"], r["units"], r["net_revenue"]) for c, r in result.items()} == {
        "c1": (1, 1, Decimal("1.00")),
        "c2": (2, 3, Decimal("8.00")),
    }
