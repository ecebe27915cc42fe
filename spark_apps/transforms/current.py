"""Current versions: for every key the row with the greatest ``ingested_at``."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def current_versions(rows: DataFrame, key: Sequence[str]) -> DataFrame:
    """Keep, per ``key``, the row with the greatest ``ingested_at``; the other versions are ignored.

    The contract promises that no two versions of a key share an ``ingested_at``, so the result
    is deterministic without a further tie-breaker.
    """
    latest_first = Window.partitionBy(*[F.col(k) for k in key]).orderBy(F.col("ingested_at").desc())
    return (
        rows.withColumn("_version_rank", F.row_number().over(latest_first))
        .where(F.col("_version_rank") == 1)
        .select(*rows.columns)
    )
