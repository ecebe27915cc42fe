"""gold.daily_sales_summary, column by column."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyspark.sql import functions as F

from spark_apps.pipeline import job_output
from spark_apps.transforms.sales import average_order_value
from tests.spark_apps.silver_rows import DAY, collect, ts
from tests.support.transform_rows import item, order, product

pytestmark = pytest.mark.spark


def summary(day_silver):
    [row] = collect(job_output("daily_sales_summary", day_silver, DAY))
    return row


def test_totals_of_counted_orders(day_silver):
    s = day_silver(
        orders=[order("o1", "c1"), order("o2", "c2", "delivered"), order("o3", "c1", "returned")],
        items=[
            item("o1", 1, quantity=2, price="10.00", discount="1.50"),
            item("o1", 2, "p2", quantity=1, price="5.25"),
            item("o2", 1, quantity=3, price="1.10", discount=None),
            item("o3", 1, quantity=1, price="100.00", discount="0.00"),
        ],
        products=[product("p1", "toys"), product("p2", "books")],
    )
    row = summary(s)
    assert row["event_date"] == DAY
    assert row["orders"] == 3  # returned orders count; only cancelled ones do not
    assert row["cancelled_orders"] == 0
    assert row["customers"] == 2
    assert row["units_sold"] == 7
    assert row["gross_revenue"] == Decimal("128.55")
    assert row["discount_total"] == Decimal("1.50")
    assert row["net_revenue"] == Decimal("127.05")
    assert row["avg_order_value"] == Decimal("42.35")
    assert row["top_category"] == "toys"


def test_cancelled_orders_are_counted_apart_and_their_items_excluded(day_silver):
    s = day_silver(
        orders=[order("o1"), order("o2", "c2", "cancelled")],
        items=[item("o1", 1, price="4.00"), item("o2", 1, quantity=10, price="99.00")],
        products=[product("p1", "toys")],
    )
    row = summary(s)
    assert (row["orders"], row["cancelled_orders"], row["customers"]) == (1, 1, 1)
    assert (row["units_sold"], row["net_revenue"]) == (1, Decimal("4.00"))


def test_rejected_rows_contribute_nothing(day_silver):
    s = day_silver(
        orders=[order("o1"), order("o2", None), order("o3", status="unknown")],
        items=[
            item("o1", 1, price="5.00"),
            item("o1", 2, quantity=0),
            item("o1", 3, price="2.00", discount="3.00"),
            item("o2", 1, price="50.00"),  # orphan: its order is rejected
            item("nope", 1, price="50.00"),
        ],
    )
    row = summary(s)
    assert (row["orders"], row["units_sold"], row["net_revenue"]) == (1, 1, Decimal("5.00"))


def test_day_without_orders_has_one_row_of_zeros(day_silver):
    row = summary(day_silver())
    assert row == {
        "event_date": DAY,
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


def test_day_with_only_cancelled_orders(day_silver):
    s = day_silver(orders=[order("o1", status="cancelled")], items=[item("o1", 1)])
    row = summary(s)
    assert (row["orders"], row["cancelled_orders"], row["avg_order_value"], row["top_category"]) == (
        0,
        1,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        # 10.00 / 3 = 3.3333.. -> 3.33 ; 0.05 / 2 = 0.025 -> 0.03 (half up) ; 0.01 / 8 = 0.00125 -> 0.00
        (["10.00", "0.00", "0.00"], "3.33"),
        (["0.05", "0.00"], "0.03"),
        (["0.01"] + ["0.00"] * 7, "0.00"),
        (["0.07"] + ["0.00"] * 1, "0.04"),
        (["20.00", "0.00", "0.00"], "6.67"),
    ],
)
def test_avg_order_value_rounds_half_up_to_cents(day_silver, prices, expected):
    orders = [order(f"o{i}") for i in range(len(prices))]
    items = [item(f"o{i}", 1, price=p) for i, p in enumerate(prices)]
    assert summary(day_silver(orders=orders, items=items))["avg_order_value"] == Decimal(expected)


@pytest.mark.parametrize(
    ("net", "orders", "expected"),
    [
        # 0.0049995 dollars: a quotient kept at scale 6 would read 0.005000 and round up.
        ("49.99", 9999, "0.00"),
        ("49.99", 9998, "0.01"),  # exactly 0.005: half up
        ("1234567890123.45", 7, "176366841446.21"),
        ("0.00", 3, "0.00"),
        ("5.00", 0, None),
    ],
)
def test_avg_order_value_is_exact_for_many_orders(spark, net, orders, expected):
    frame = spark.createDataFrame([(Decimal(net), orders)], "net decimal(18,2), orders long")
    [row] = frame.select(average_order_value(F.col("net"), F.col("orders")).alias("aov")).collect()
    assert row["aov"] == (None if expected is None else Decimal(expected))


def test_top_category_by_net_revenue_not_gross(day_silver):
    s = day_silver(
        orders=[order("o1")],
        items=[item("o1", 1, "p1", price="10.00", discount="5.00"), item("o1", 2, "p2", price="6.00")],
        products=[product("p1", "toys"), product("p2", "books")],
    )
    assert summary(s)["top_category"] == "books"


def test_top_category_tie_goes_to_alphabetically_first(day_silver):
    s = day_silver(
        orders=[order("o1")],
        items=[
            item("o1", 1, "p1", price="5.00"),
            item("o1", 2, "p2", price="5.00"),
            item("o1", 3, "p3", price="1.00"),
        ],
        products=[product("p1", "toys"), product("p2", "books"), product("p3", "art")],
    )
    assert summary(s)["top_category"] == "books"


def test_top_category_unknown_for_absent_product_and_null_category(day_silver):
    s = day_silver(
        orders=[order("o1")],
        items=[
            item("o1", 1, "ghost", price="3.00"),  # not in the dimension
            item("o1", 2, "p-null", price="3.00"),  # category null
            item("o1", 3, "p1", price="5.00"),
        ],
        products=[product("p-null", None), product("p1", "toys")],
    )
    assert summary(s)["top_category"] == "unknown"


def test_top_category_uses_the_current_product_version(day_silver):
    s = day_silver(
        orders=[order("o1")],
        items=[item("o1", 1, "p1")],
        products=[
            {"product_id": "p1", "category": "old", "ingested_at": ts("2026-01-01T00:00:00")},
            # Ingested after the day: still the current version (the contract ignores timing).
            {"product_id": "p1", "category": "new", "ingested_at": ts("2026-12-01T00:00:00")},
        ],
    )
    assert summary(s)["top_category"] == "new"


def test_null_discount_means_zero(day_silver):
    s = day_silver(orders=[order("o1")], items=[item("o1", 1, quantity=2, price="3.00", discount=None)])
    row = summary(s)
    assert (row["gross_revenue"], row["discount_total"], row["net_revenue"]) == (
        Decimal("6.00"),
        Decimal("0.00"),
        Decimal("6.00"),
    )
