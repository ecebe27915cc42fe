"""Dimension lookups with the contract's fallbacks for unknown keys."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from goldpipe.core.contract import UNKNOWN_CATEGORY


def category_of(column: str = "category") -> Column:
    """The ``'unknown'`` rule: absent product or null category."""
    return F.coalesce(F.col(column), F.lit(UNKNOWN_CATEGORY))


def product_attributes(current_products: DataFrame) -> DataFrame:
    """``product_id, category, brand`` of the current product versions (category not yet defaulted)."""
    return current_products.select(F.col("product_id"), F.col("category"), F.col("brand"))


def customer_attributes(current_customers: DataFrame) -> DataFrame:
    return current_customers.select(
        F.col("customer_id"), F.col("segment"), F.col("country"), F.col("signup_ts")
    )
