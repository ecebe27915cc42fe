"""``gold.daily_customer_analytics``: one row per (day, customer) with activity."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps.transforms.columns import count_where, counted, money, required
from spark_apps.transforms.dimensions import customer_attributes
from spark_apps.transforms.sales import counted_items


def _event_activity(valid_events: DataFrame) -> DataFrame:
    # Anonymous visitors (null customer_id) are nobody's activity. Two steps, per session then
    # per customer, count distinct sessions without Spark's row-duplicating distinct rewrite.
    per_session = (
        valid_events.where(F.col("customer_id").isNotNull())
        .groupBy(F.col("customer_id"), F.col("session_id"))
        .agg(
            F.count(F.lit(1)).alias("events"),
            count_where(F.col("event_type") == F.lit("product_view")).alias("product_views"),
            count_where(F.col("event_type") == F.lit("add_to_cart")).alias("add_to_carts"),
            F.min("event_ts").alias("first_event_ts"),
            F.max("event_ts").alias("last_event_ts"),
        )
    )
    return per_session.groupBy(F.col("customer_id")).agg(
        # count() skips the null session: a null session id is no session.
        F.count(F.col("session_id")).alias("sessions"),
        F.sum("events").alias("events"),
        F.sum("product_views").alias("product_views"),
        F.sum("add_to_carts").alias("add_to_carts"),
        F.min("first_event_ts").alias("first_event_ts"),
        F.max("last_event_ts").alias("last_event_ts"),
    )


def _order_activity(valid_orders: DataFrame) -> DataFrame:
    # Every valid order is activity (cancelled too); only counted ones are "orders".
    return valid_orders.groupBy(F.col("customer_id")).agg(
        count_where(counted(F.col("status"))).alias("orders"),
        F.min("order_ts").alias("first_order_ts"),
        F.max("order_ts").alias("last_order_ts"),
    )


def _purchases(valid_items: DataFrame) -> DataFrame:
    return (
        counted_items(valid_items)
        .groupBy(F.col("order_customer_id").alias("customer_id"))
        .agg(F.sum("quantity").alias("units"), F.sum("line_net").alias("net_revenue"))
    )


def daily_customer_analytics(
    valid_events: DataFrame,
    valid_orders: DataFrame,
    valid_items: DataFrame,
    customers: DataFrame,
    day: dt.date,
) -> DataFrame:
    activity = (
        _event_activity(valid_events)
        .join(_order_activity(valid_orders), on="customer_id", how="full")
        .join(_purchases(valid_items), on="customer_id", how="left")
        .join(customer_attributes(customers), on="customer_id", how="left")
    )
    zero = F.lit(0)
    return activity.select(
        F.lit(day).alias("event_date"),
        required("customer_id").alias("customer_id"),
        F.col("segment"),
        F.col("country"),
        F.coalesce(F.col("sessions"), zero).cast("long").alias("sessions"),
        F.coalesce(F.col("events"), zero).cast("long").alias("events"),
        F.coalesce(F.col("product_views"), zero).cast("long").alias("product_views"),
        F.coalesce(F.col("add_to_carts"), zero).cast("long").alias("add_to_carts"),
        F.coalesce(F.col("orders"), zero).cast("long").alias("orders"),
        F.coalesce(F.col("units"), zero).cast("long").alias("units"),
        money(F.coalesce(F.col("net_revenue"), zero)).alias("net_revenue"),
        # least/greatest skip nulls: a customer with only events or only orders still has both.
        F.least(F.col("first_event_ts"), F.col("first_order_ts")).alias("first_activity_ts"),
        F.greatest(F.col("last_event_ts"), F.col("last_order_ts")).alias("last_activity_ts"),
        F.coalesce(F.to_date(F.col("signup_ts")) == F.lit(day), F.lit(False)).alias("is_new_customer"),
        F.current_timestamp().alias("computed_at"),
    )
