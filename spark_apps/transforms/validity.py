"""The contract's validity rules: each current row gets its first rejection reason, or null.

Rows keep all their columns plus ``reject_reason``; ``valid(...)`` keeps the rows without one and
``rejection_counts`` counts the others, so the same classification feeds both gold metrics and
``gold.rejected_rows``.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from goldpipe.core.contract import EVENT_TYPES, ORDER_STATUSES, PRODUCT_EVENT_TYPES

REASON = "reject_reason"


def _first_reason(*rules: tuple[Column, str]) -> Column:
    """A CASE over the rules in order, so the first matching rule names the reason."""
    condition, reason = rules[0]
    expression = F.when(condition, F.lit(reason))
    for condition, reason in rules[1:]:
        expression = expression.when(condition, F.lit(reason))
    return expression.otherwise(F.lit(None).cast("string"))


def classify_orders(orders: DataFrame) -> DataFrame:
    status = F.col("status")
    reason = _first_reason(
        (F.col("customer_id").isNull(), "missing_customer"),
        (status.isNull() | ~status.isin(*ORDER_STATUSES), "bad_status"),
    )
    return orders.select(*orders.columns, reason.alias(REASON))


def classify_order_items(items: DataFrame, valid_orders: DataFrame) -> DataFrame:
    """Classify items; valid ones carry their order's ``status`` and ``customer_id`` along.

    ``valid_orders`` holds one current row per order (any status, cancelled included): an item of a
    cancelled order is valid, it just does not count towards sales.
    """
    orders = valid_orders.select(
        F.col("order_id"),
        F.col("status").alias("order_status"),
        F.col("customer_id").alias("order_customer_id"),
        F.lit(True).alias("_has_order"),
    )
    quantity = F.col("quantity")
    unit_price = F.col("unit_price")
    discount = F.col("discount_amount")
    reason = _first_reason(
        (F.col("_has_order").isNull(), "orphan_item"),
        (F.col("product_id").isNull(), "missing_product"),
        (quantity.isNull() | (quantity <= 0), "bad_quantity"),
        (unit_price.isNull() | (unit_price < 0), "bad_price"),
        # A null discount means 0, which is never bad; comparisons with null are null, not true.
        (discount.isNotNull() & ((discount < 0) | (discount > quantity * unit_price)), "bad_discount"),
    )
    joined = items.join(orders, on="order_id", how="left")
    return joined.select(
        *items.columns,
        F.col("order_status"),
        F.col("order_customer_id"),
        reason.alias(REASON),
    )


def classify_events(events: DataFrame) -> DataFrame:
    event_type = F.col("event_type")
    reason = _first_reason(
        (event_type.isNull() | ~event_type.isin(*EVENT_TYPES), "bad_event_type"),
        (event_type.isin(*PRODUCT_EVENT_TYPES) & F.col("product_id").isNull(), "missing_product"),
    )
    return events.select(*events.columns, reason.alias(REASON))


def valid(classified: DataFrame) -> DataFrame:
    return classified.where(F.col(REASON).isNull()).drop(REASON)


def rejection_counts(classified: DataFrame, source_table: str) -> DataFrame:
    """``(source_table, reason, rejected_count)`` for every reason with at least one row."""
    return (
        classified.where(F.col(REASON).isNotNull())
        .groupBy(F.col(REASON).alias("reason"))
        .agg(F.count(F.lit(1)).alias("rejected_count"))
        .select(
            F.lit(source_table).alias("source_table"),
            F.col("reason"),
            F.col("rejected_count"),
        )
    )
