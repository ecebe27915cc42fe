"""Write hand-made silver rows into real Iceberg tables with pyiceberg (a non-Spark writer)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from goldpipe.core.contract import GOLD_TABLES, SILVER_TABLES
from goldpipe.lakehouse.schema import arrow_schema, create_table
from tests.spark_apps.silver_rows import ts


def append_silver(catalog: Any, table: str, rows: list[dict[str, Any]]) -> None:
    """Append rows (missing columns null, ``ingested_at`` = business ts + 1 min) to silver.``table``."""
    contract = SILVER_TABLES[table]
    if not catalog.table_exists(contract.identifier):
        create_table(catalog, contract)
    iceberg_table = catalog.load_table(contract.identifier)
    ts_column = contract.partitioning[0][0] if contract.partitioning else None
    import datetime as dt

    filled = []
    for row in rows:
        values = {c: row.get(c) for c in contract.column_names}
        if values["ingested_at"] is None:
            values["ingested_at"] = (values.get(ts_column) if ts_column else None or ts("00:00")) or ts(
                "00:00"
            )
            values["ingested_at"] += dt.timedelta(minutes=1)
        filled.append(values)
    iceberg_table.append(pa.Table.from_pylist(filled, schema=arrow_schema(contract)))


def create_empty_silver(catalog: Any, tables: tuple[str, ...] = tuple(SILVER_TABLES)) -> None:
    for table in tables:
        contract = SILVER_TABLES[table]
        if not catalog.table_exists(contract.identifier):
            create_table(catalog, contract)


def gold_rows(catalog: Any, table: str, *, ref: str = "main") -> list[dict[str, Any]]:
    """Rows of a gold table on ``ref``, sorted by its key, as plain dicts."""
    contract = GOLD_TABLES[table]
    iceberg_table = catalog.load_table(contract.identifier)
    snapshot = iceberg_table.snapshot_by_name(ref)
    if snapshot is None:
        return []
    data = iceberg_table.scan(snapshot_id=snapshot.snapshot_id).to_arrow()
    return sorted(data.to_pylist(), key=lambda r: tuple(str(r[k]) for k in contract.key))
