"""``register_silver``: the day's silver from a real Iceberg catalog, only the day's files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from goldpipe.checks.reference.gold import compute_gold
from goldpipe.checks.reference.silver import register_silver
from goldpipe.core import contract as c
from goldpipe.core.errors import SilverContractError
from tests.support.contract_rows import (
    D,
    Row,
    customer,
    event,
    ingested,
    item,
    only,
    order,
    product,
    summary,
    ts,
)

# --- register_silver against a real Iceberg catalog --------------------------------------------


@pytest.fixture
def catalog(tmp_path: Path) -> Any:
    from pyiceberg.catalog.sql import SqlCatalog

    return SqlCatalog(
        "test", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=(tmp_path / "wh").as_uri()
    )


def _append(catalog: Any, contract: c.TableContract, rows: list[Row]) -> None:
    from goldpipe.lakehouse.schema import arrow_schema

    table = catalog.load_table(contract.identifier)
    table.append(pa.Table.from_pylist(rows, schema=arrow_schema(contract)))


def _seed_two_days(catalog: Any) -> None:
    from goldpipe.lakehouse.schema import create_table

    for contract in c.SILVER_TABLES.values():
        create_table(catalog, contract)
    nxt = "2024-03-11T"
    _append(
        catalog, c.ORDERS, [order("o1"), order("o2", at="23:59:59.999999"), order("o3", at=nxt + "00:00:00")]
    )
    _append(
        catalog,
        c.ORDER_ITEMS,
        [
            item("o1", quantity=2),
            item("o2", at="23:59:59.999999"),
            item("o3", quantity=5, at=nxt + "00:00:00"),
        ],
    )
    _append(catalog, c.EVENTS, [event("e1"), event("e2", at=nxt + "01:00:00")])
    _append(catalog, c.CUSTOMERS, [customer("c1", version=1), customer("c1", segment="vip", version=2)])
    _append(catalog, c.PRODUCTS, [product("p1")])


def _data_files(catalog: Any, contract: c.TableContract) -> list[str]:
    table = catalog.load_table(contract.identifier)
    return [task.file.file_path for task in table.scan().plan_files()]


@pytest.mark.parametrize("method", ["read_parquet", "arrow"])
def test_register_silver_reads_only_the_days_files(catalog: Any, method: Any) -> None:
    _seed_two_days(catalog)
    for contract in (c.ORDERS, c.ORDER_ITEMS, c.EVENTS):
        assert len(_data_files(catalog, contract)) == 2  # one file per day partition
    # Remove the next day's files from disk: the day D run must not even open them.
    for contract in (c.ORDERS, c.ORDER_ITEMS, c.EVENTS):
        for path in _data_files(catalog, contract):
            if "2024-03-11" in path:
                Path(path.removeprefix("file://")).unlink()

    con = duckdb.connect()
    counts = register_silver(con, catalog, D, method=method)
    assert counts == {"customers": 1, "products": 1, "orders": 1, "order_items": 1, "events": 1}
    assert sorted(r[0] for r in con.execute("SELECT order_id FROM silver_orders").fetchall()) == ["o1", "o2"]
    names = [d[0] for d in con.execute("SELECT * FROM silver_order_items").description]
    assert names == list(c.ORDER_ITEMS.column_names)
    result = {name: t.to_pylist() for name, t in compute_gold(con, D).items()}
    s = summary(result)
    assert (s["orders"], s["units_sold"], s["net_revenue"]) == (2, 3, Decimal("30.00"))
    assert only(result["daily_customer_analytics"])["segment"] == "vip"

    # The other day really is gone, so it was not read above.
    with pytest.raises(Exception, match=r"(?i)no such file|not found|does not exist|IO Error"):
        register_silver(con, catalog, dt.date(2024, 3, 11), method=method)
        compute_gold(con, dt.date(2024, 3, 11))


def test_register_silver_day_without_files(catalog: Any) -> None:
    _seed_two_days(catalog)
    con = duckdb.connect()
    counts = register_silver(con, catalog, dt.date(2024, 3, 1))
    assert counts["orders"] == counts["order_items"] == counts["events"] == 0
    s = summary({n: t.to_pylist() for n, t in compute_gold(con, dt.date(2024, 3, 1)).items()})
    assert (s["orders"], s["avg_order_value"]) == (0, None)


def test_register_silver_from_another_writer(catalog: Any) -> None:
    """Extra columns, other field ids, a renamed column and other column types still read."""
    from pyiceberg.schema import Schema
    from pyiceberg.types import LongType, NestedField, StringType, TimestamptzType

    from goldpipe.lakehouse.schema import create_table

    for contract in c.SILVER_TABLES.values():
        if contract is not c.ORDERS:
            create_table(catalog, contract)
    schema = Schema(
        NestedField(7, "note", StringType()),
        NestedField(3, "order_ts", TimestamptzType(), required=True),
        NestedField(11, "order_id", StringType(), required=True),
        NestedField(5, "buyer", StringType()),  # renamed to customer_id below
        NestedField(9, "status", StringType()),
        NestedField(2, "channel", StringType()),
        NestedField(4, "ingested_at", TimestamptzType(), required=True),
        NestedField(8, "score", LongType()),
    )
    table = catalog.create_table("silver.orders", schema=schema)  # unpartitioned, other ids
    assert table.schema().find_field("order_id").field_id != 1
    table.append(
        pa.Table.from_pylist(
            [
                {"note": "x", "order_ts": ts("12:00"), "order_id": "o1", "buyer": "c1", "status": "paid",
                 "channel": "app", "ingested_at": ingested(1), "score": 3},
                {"note": "y", "order_ts": ts("2024-03-11T12:00:00"), "order_id": "o2", "buyer": "c1",
                 "status": "paid", "channel": "app", "ingested_at": ingested(1), "score": 4},
            ],
            schema=table.schema().as_arrow(),  # create_table assigns fresh field ids
        )
    )  # fmt: skip
    with table.update_schema() as update:
        update.rename_column("buyer", "customer_id")
    _append(catalog, c.ORDER_ITEMS, [item("o1", quantity=4)])
    con = duckdb.connect()
    register_silver(con, catalog, D)
    # Arrow, not fetchall: DuckDB's Python conversion of timestamptz needs pytz.
    # Only the day's row, though the unpartitioned table's one file holds both days.
    assert con.sql("SELECT * FROM silver_orders").to_arrow_table().to_pylist() == [
        {
            "order_id": "o1",
            "customer_id": "c1",
            "order_ts": ts("12:00"),
            "status": "paid",
            "channel": "app",
            "ingested_at": ingested(1),
        },
    ]
    result = {n: t.to_pylist() for n, t in compute_gold(con, D).items()}
    assert (summary(result)["orders"], summary(result)["units_sold"]) == (1, 4)
    assert only(result["daily_customer_analytics"])["customer_id"] == "c1"


def test_register_silver_missing_column_is_a_contract_error(catalog: Any) -> None:
    from pyiceberg.schema import Schema
    from pyiceberg.types import NestedField, StringType, TimestamptzType

    from goldpipe.lakehouse.schema import create_table

    for contract in c.SILVER_TABLES.values():
        if contract is not c.PRODUCTS:
            create_table(catalog, contract)
    catalog.create_table(
        "silver.products",
        schema=Schema(
            NestedField(1, "product_id", StringType(), required=True),
            NestedField(2, "ingested_at", TimestamptzType(), required=True),
        ),
    )
    with pytest.raises(
        SilverContractError, match=r"silver\.products lacks contract column\(s\): name, category"
    ):
        register_silver(duckdb.connect(), catalog, D)


def test_register_silver_missing_table_is_a_contract_error(catalog: Any) -> None:
    catalog.create_namespace("silver")
    with pytest.raises(SilverContractError, match="does not exist"):
        register_silver(duckdb.connect(), catalog, D)


def test_register_silver_refuses_delete_files(catalog: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyiceberg.table import DataScan, FileScanTask

    _seed_two_days(catalog)
    real_plan_files = DataScan.plan_files

    def with_deletes(self: DataScan) -> list[FileScanTask]:
        # pyiceberg writes no delete files itself; pretend another engine wrote one.
        return [FileScanTask(t.file, delete_files={t.file}) for t in real_plan_files(self)]

    monkeypatch.setattr(DataScan, "plan_files", with_deletes)
    with pytest.raises(SilverContractError, match=r"delete files.*append-only"):
        register_silver(duckdb.connect(), catalog, D)
