"""The DuckDB reading of the data contract on hand-written silver rows: order statuses, money
and rounding, categories."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.contract_rows import D, by, customer, gold, item, only, order, product, summary, ts

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
