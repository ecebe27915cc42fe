"""Reading silver: contract validation of the tables' schemas, and the day's rows only.

Silver may come from any writer that follows the contract (other field ids, extra columns,
optional instead of required); only the contract's columns are read, by name.
"""

from __future__ import annotations

import datetime as dt
import re

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from goldpipe.core.contract import SILVER_TABLES, TableContract
from goldpipe.core.dates import day_bounds
from goldpipe.core.errors import SilverContractError

_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
_SPARK_TYPE = {
    "string": "string",
    "int": "int",
    "long": "bigint",
    "timestamptz": "timestamp",
    "date": "date",
    "double": "double",
    "boolean": "boolean",
}


def spark_type(contract_type: str) -> str:
    """The Spark SQL type name of a contract type."""
    return _SPARK_TYPE.get(contract_type, contract_type)


def _compatible(contract_type: str, actual: T.DataType) -> bool:
    """Types a contract column may have in silver: its own, or one that casts without loss."""
    if contract_type == "string":
        return isinstance(actual, T.StringType)
    if contract_type == "int":
        return isinstance(actual, T.IntegerType | T.ShortType | T.ByteType)
    if contract_type == "long":
        return isinstance(actual, T.LongType | T.IntegerType | T.ShortType | T.ByteType)
    if contract_type == "timestamptz":
        # TimestampNTZType is a different (zone-less) type: its days would not be UTC days.
        return type(actual) is T.TimestampType
    m = _DECIMAL.match(contract_type)
    if m:
        return isinstance(actual, T.DecimalType) and actual.scale == int(m.group(2))
    return actual.simpleString() == spark_type(contract_type)


def schema_problems(contract: TableContract, schema: T.StructType) -> list[str]:
    """Human-readable reasons why ``schema`` does not satisfy ``contract`` (empty when it does)."""
    fields = {f.name: f for f in schema.fields}
    problems = []
    for column in contract.columns:
        found = fields.get(column.name)
        if found is None:
            problems.append(f"{contract.identifier}: required column {column.name!r} is missing")
        elif not _compatible(column.type, found.dataType):
            problems.append(
                f"{contract.identifier}: column {column.name!r} has type {found.dataType.simpleString()}, "
                f"the contract requires {column.type}"
            )
    return problems


def check_silver(spark: SparkSession, catalog: str, tables: tuple[str, ...]) -> None:
    """Fail with every problem at once if a needed silver table or column is missing or mistyped."""
    problems = []
    for name in tables:
        contract = SILVER_TABLES[name]
        identifier = f"{catalog}.{contract.identifier}"
        if not spark.catalog.tableExists(identifier):
            problems.append(f"silver table {contract.identifier} does not exist in catalog {catalog!r}")
            continue
        problems.extend(schema_problems(contract, spark.table(identifier).schema))
    if problems:
        raise SilverContractError("silver does not meet the data contract:\n  " + "\n  ".join(problems))


def _contract_columns(rows: DataFrame, contract: TableContract) -> DataFrame:
    return rows.select(*[F.col(c.name).cast(spark_type(c.type)).alias(c.name) for c in contract.columns])


def read_day(spark: SparkSession, catalog: str, name: str, day: dt.date) -> DataFrame:
    """Rows of a partitioned silver fact table whose business timestamp falls on ``day``.

    The half-open range filter on the partition source column lets Iceberg prune every other
    day's files, so a daily run costs the same whatever the history.
    """
    contract = SILVER_TABLES[name]
    ts_column = contract.partitioning[0][0]
    start, end = day_bounds(day)
    rows = spark.table(f"{catalog}.{contract.identifier}").where(
        (F.col(ts_column) >= F.lit(start)) & (F.col(ts_column) < F.lit(end))
    )
    return _contract_columns(rows, contract)


def read_dimension(spark: SparkSession, catalog: str, name: str) -> DataFrame:
    contract = SILVER_TABLES[name]
    return _contract_columns(spark.table(f"{catalog}.{contract.identifier}"), contract)


def day_range(spark: SparkSession, catalog: str, tables: tuple[str, ...]) -> tuple[dt.date, dt.date] | None:
    """The first and the last business day (UTC) with rows in the partitioned silver ``tables``
    (Iceberg answers min() and max() from its file statistics, without reading data); None when
    none has rows or exists. The same answer as ``goldpipe.lakehouse.silver_tables.day_range``."""
    firsts, lasts = [], []
    for name in tables:
        contract = SILVER_TABLES[name]
        identifier = f"{catalog}.{contract.identifier}"
        if not contract.partitioning or not spark.catalog.tableExists(identifier):
            continue
        column = F.col(contract.partitioning[0][0])
        # The dates in the session time zone, UTC (collecting the timestamps would convert them
        # to this process's local zone).
        [(first, last)] = (
            spark.table(identifier).agg(F.min(column).cast("date"), F.max(column).cast("date")).collect()
        )
        if first is not None:
            firsts.append(first)
            lasts.append(last)
    return (min(firsts), max(lasts)) if firsts else None
