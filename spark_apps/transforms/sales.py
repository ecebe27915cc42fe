"""``gold.daily_sales_summary``: one row per processed day, even a day without orders."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark_apps.transforms.columns import count_where, counted, money, required
from spark_apps.transforms.dimensions import category_of, product_attributes


def counted_items(valid_items: DataFrame) -> DataFrame:
    """Valid items of counted orders, with their line net."""
    return valid_items.where(counted(F.col("order_status"))).select(
        *valid_items.columns, line_net().alias("line_net")
    )


def line_net() -> Column:
    return F.col("quantity") * F.col("unit_price") - F.coalesce(F.col("discount_amount"), F.lit(0))


def _order_totals(valid_orders: DataFrame) -> DataFrame:
    sale = counted(F.col("status"))
    return valid_orders.agg(
        count_where(sale).alias("orders"),
        count_where(~sale).alias("cancelled_orders"),
        F.count_distinct(F.when(sale, F.col("customer_id"))).alias("customers"),
    )


def _item_totals(items: DataFrame) -> DataFrame:
    # A global aggregate yields exactly one row, also for no items; sums are then null -> 0.
    return items.agg(
        F.coalesce(F.sum("quantity"), F.lit(0)).cast("long").alias("units_sold"),
        money(F.coalesce(F.sum(F.col("quantity") * F.col("unit_price")), F.lit(0))).alias("gross_revenue"),
        money(F.coalesce(F.sum(F.coalesce(F.col("discount_amount"), F.lit(0))), F.lit(0))).alias(
            "discount_total"
        ),
    )


def _top_category(items: DataFrame, products: DataFrame) -> DataFrame:
    by_category = (
        items.join(product_attributes(products), on="product_id", how="left")
        .groupBy(category_of().alias("category"))
        .agg(F.sum("line_net").alias("category_net"))
    )
    # min_by over (-net, name): the greatest net revenue, ties to the alphabetically first name.
    # Null when there are no items, and still exactly one row.
    return by_category.agg(
        F.min_by(F.col("category"), F.struct(-F.col("category_net"), F.col("category"))).alias("top_category")
    )


def average_order_value(net: Column, orders: Column) -> Column:
    """``net / orders`` rounded half up to cents; null without orders.

    Dividing by decimal(20,0) makes Spark keep the quotient at scale 22 (not 6), so rounding it
    to cents is not a double rounding, even for days with tens of thousands of orders.
    """
    return money(F.when(orders > 0, F.round(net / orders.cast("decimal(20,0)"), 2)))


def daily_sales_summary(
    valid_orders: DataFrame, valid_items: DataFrame, products: DataFrame, day: dt.date
) -> DataFrame:
    """The summary row of ``day`` from its valid current orders and items (``classify_*``)."""
    items = counted_items(valid_items)
    totals = (
        _order_totals(valid_orders)
        .join(_item_totals(items), how="cross")
        .join(_top_category(items, products), how="cross")
    )
    net = F.col("gross_revenue") - F.col("discount_total")
    return totals.select(
        F.lit(day).alias("event_date"),
        required("orders").cast("long").alias("orders"),
        required("cancelled_orders").cast("long").alias("cancelled_orders"),
        required("customers").cast("long").alias("customers"),
        required("units_sold").alias("units_sold"),
        required("gross_revenue").alias("gross_revenue"),
        required("discount_total").alias("discount_total"),
        money(net).alias("net_revenue"),
        average_order_value(net, F.col("orders")).alias("avg_order_value"),
        F.col("top_category"),
        F.current_timestamp().alias("computed_at"),
    )
