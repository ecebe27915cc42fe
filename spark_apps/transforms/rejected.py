"""``gold.rejected_rows``: one row per (day, source table, reason) with rejections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_apps.transforms.validity import rejection_counts


def rejected_rows(classified: Mapping[str, DataFrame], day: dt.date) -> DataFrame:
    """From classified current rows per silver table name (``orders``, ``order_items``, ``events``)."""
    counts = [rejection_counts(rows, source) for source, rows in sorted(classified.items())]
    union = reduce(DataFrame.unionByName, counts)
    return union.select(
        F.lit(day).alias("event_date"),
        F.col("source_table"),
        F.col("reason"),
        F.col("rejected_count").cast("long").alias("rejected_count"),
        F.current_timestamp().alias("computed_at"),
    )
