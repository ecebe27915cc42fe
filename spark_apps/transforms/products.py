"""``gold.product_performance_analytics``: one row per (day, product) with activity."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from goldpipe.core.contract import PRODUCT_EVENT_TYPES
from spark_apps.transforms.columns import count_where, money, required
from spark_apps.transforms.dimensions import category_of, product_attributes
from spark_apps.transforms.sales import counted_items


def _product_events(valid_events: DataFrame) -> DataFrame:
    event_type = F.col("event_type")
    return (
        valid_events.where(event_type.isin(*PRODUCT_EVENT_TYPES))
        .groupBy(F.col("product_id"))
        .agg(
            count_where(event_type == F.lit("product_view")).alias("views"),
            count_where(event_type == F.lit("add_to_cart")).alias("add_to_carts"),
            count_where(event_type == F.lit("remove_from_cart")).alias("remove_from_carts"),
        )
    )


def _product_sales(valid_items: DataFrame) -> DataFrame:
    return (
        counted_items(valid_items)
        .groupBy(F.col("product_id"))
        .agg(
            # Two lines of one order for the same product are one order.
            F.count_distinct(F.col("order_id")).alias("orders"),
            F.sum("quantity").alias("units_sold"),
            F.sum("line_net").alias("net_revenue"),
        )
    )


def _rate(numerator: str, denominator: str) -> Column:
    return F.when(F.col(denominator) > 0, F.col(numerator).cast("double") / F.col(denominator).cast("double"))


def product_performance_analytics(
    valid_events: DataFrame, valid_items: DataFrame, products: DataFrame, day: dt.date
) -> DataFrame:
    zero = F.lit(0)
    activity = (
        _product_events(valid_events)
        .join(_product_sales(valid_items), on="product_id", how="full")
        .join(product_attributes(products), on="product_id", how="left")
        .select(
            F.col("product_id"),
            category_of().alias("category"),
            F.col("brand"),
            F.coalesce(F.col("views"), zero).cast("long").alias("views"),
            F.coalesce(F.col("add_to_carts"), zero).cast("long").alias("add_to_carts"),
            F.coalesce(F.col("remove_from_carts"), zero).cast("long").alias("remove_from_carts"),
            F.coalesce(F.col("orders"), zero).cast("long").alias("orders"),
            F.coalesce(F.col("units_sold"), zero).cast("long").alias("units_sold"),
            money(F.coalesce(F.col("net_revenue"), zero)).alias("net_revenue"),
        )
    )
    # One day's products fit one partition; ranks must be unique, so product_id breaks ties.
    by_revenue = Window.orderBy(F.col("net_revenue").desc(), F.col("product_id").asc())
    return activity.select(
        F.lit(day).alias("event_date"),
        required("product_id").alias("product_id"),
        F.col("category"),
        F.col("brand"),
        F.col("views"),
        F.col("add_to_carts"),
        F.col("remove_from_carts"),
        F.col("orders"),
        F.col("units_sold"),
        F.col("net_revenue"),
        _rate("orders", "views").alias("view_to_order_rate"),
        _rate("orders", "add_to_carts").alias("cart_to_order_rate"),
        F.row_number().over(by_revenue).cast("int").alias("revenue_rank"),
        F.current_timestamp().alias("computed_at"),
    )
