"""Build small silver/gold DataFrames by hand for transformation tests.

Rows are dicts with only the columns a test cares about; the rest are null, and
``ingested_at`` defaults to the business timestamp plus one minute.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from goldpipe.core.contract import SILVER_TABLES
from spark_apps.silver import spark_type

DAY = dt.date(2026, 11, 20)


def ts(text: str) -> dt.datetime:
    """``"HH:MM[:SS[.ffffff]]"`` on DAY, or a full ISO timestamp; always UTC."""
    if "T" in text or "-" in text:
        value = dt.datetime.fromisoformat(text)
    else:
        value = dt.datetime.combine(DAY, dt.time.fromisoformat(text))
    return value.replace(tzinfo=dt.UTC)


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def silver(spark: SparkSession, table: str, rows: list[dict[str, Any]]) -> DataFrame:
    contract = SILVER_TABLES[table]
    ts_column = contract.partitioning[0][0] if contract.partitioning else None
    full = []
    for row in rows:
        values = {c: row.get(c) for c in contract.column_names}
        if values["ingested_at"] is None:
            base = values.get(ts_column) if ts_column else ts("00:00")
            values["ingested_at"] = (base or ts("00:00")) + dt.timedelta(minutes=1)
        full.append(tuple(values[c] for c in contract.column_names))
    schema = ", ".join(f"{c.name} {spark_type(c.type)}" for c in contract.columns)
    return spark.createDataFrame(full, schema)


def _utc(value: Any) -> Any:
    # PySpark returns naive datetimes in the process's local zone, which conftest pins to UTC.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def collect(frame: DataFrame, *, drop: tuple[str, ...] = ("computed_at",)) -> list[dict[str, Any]]:
    return [{k: _utc(v) for k, v in r.asDict().items() if k not in drop} for r in frame.collect()]
