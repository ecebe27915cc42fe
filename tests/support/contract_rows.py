"""Hand-written silver rows for the tests of the DuckDB reading of the data contract
(goldpipe/checks/reference/): a builder per silver table with the contract's columns and
defaults that pass every rule, and ``gold()``, compute_gold over such rows as row dicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from goldpipe.checks.reference.gold import compute_gold, gold_arrow_schema
from goldpipe.checks.reference.queries import SILVER_RELATIONS
from goldpipe.core import contract as c

UTC = dt.UTC
D = dt.date(2024, 3, 10)
Row = dict[str, Any]


def ts(text: str) -> dt.datetime:
    """``"HH:MM[:SS[.ffffff]]"`` on day D, or a full ISO timestamp, in UTC."""
    if "T" not in text:
        text = f"{D.isoformat()}T{text}"
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def ingested(n: int) -> dt.datetime:
    return ts("2024-03-20T00:00:00") + dt.timedelta(minutes=n)


def money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def order(
    order_id: str,
    customer_id: str | None = "c1",
    status: str | None = "paid",
    at: str = "12:00",
    version: int = 1,
) -> Row:
    return {
        "order_id": order_id,
        "customer_id": customer_id,
        "order_ts": ts(at),
        "status": status,
        "channel": "web",
        "ingested_at": ingested(version),
    }


def item(
    order_id: str,
    line: int = 1,
    product_id: str | None = "p1",
    *,
    quantity: int | None = 1,
    price: str | None = "10.00",
    discount: str | None = None,
    at: str = "12:00",
    version: int = 1,
) -> Row:
    return {
        "order_id": order_id,
        "line_number": line,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price": money(price),
        "discount_amount": money(discount),
        "order_ts": ts(at),
        "ingested_at": ingested(version),
    }


def event(
    event_id: str,
    event_type: str | None = "page_view",
    *,
    customer_id: str | None = "c1",
    product_id: str | None = None,
    session_id: str | None = "s1",
    at: str = "12:00",
    version: int = 1,
) -> Row:
    return {
        "event_id": event_id,
        "session_id": session_id,
        "customer_id": customer_id,
        "event_type": event_type,
        "product_id": product_id,
        "event_ts": ts(at),
        "device": "mobile",
        "ingested_at": ingested(version),
    }


def customer(
    customer_id: str,
    segment: str | None = "consumer",
    country: str | None = "DE",
    signup: str | None = "2023-01-01T00:00:00",
    version: int = 1,
) -> Row:
    return {
        "customer_id": customer_id,
        "email": f"{customer_id}@example.com",
        "country": country,
        "segment": segment,
        "signup_ts": None if signup is None else ts(signup),
        "ingested_at": ingested(version),
    }


def product(
    product_id: str,
    category: str | None = "books",
    brand: str | None = "acme",
    version: int = 1,
) -> Row:
    return {
        "product_id": product_id,
        "name": product_id.upper(),
        "category": category,
        "brand": brand,
        "list_price": Decimal("10.00"),
        "ingested_at": ingested(version),
    }


def silver_schema(contract: c.TableContract) -> pa.Schema:
    types = {
        "string": pa.string(),
        "int": pa.int32(),
        "timestamptz": pa.timestamp("us", tz="UTC"),
        "decimal(12,2)": pa.decimal128(12, 2),
    }
    return pa.schema([pa.field(col.name, types[col.type]) for col in contract.columns])


def gold(
    *,
    orders: list[Row] | None = None,
    items: list[Row] | None = None,
    events: list[Row] | None = None,
    customers: list[Row] | None = None,
    products: list[Row] | None = None,
    day: dt.date = D,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict[str, list[Row]]:
    """compute_gold over the given silver rows; each gold table as a list of row dicts."""
    con = con or duckdb.connect()
    given = {
        "orders": orders,
        "order_items": items,
        "events": events,
        "customers": customers if customers is not None else [customer("c1")],
        "products": products if products is not None else [product("p1")],
    }
    for name, rows in given.items():
        schema = silver_schema(c.SILVER_TABLES[name])
        con.register(SILVER_RELATIONS[name], pa.Table.from_pylist(rows or [], schema=schema))
    result = compute_gold(con, day)
    for name, table in result.items():
        assert table.schema == gold_arrow_schema(name), name
    return {name: table.to_pylist() for name, table in result.items()}


def only(rows: list[Row]) -> Row:
    assert len(rows) == 1, rows
    return rows[0]


def by(rows: list[Row], key: str) -> dict[Any, Row]:
    return {r[key]: r for r in rows}


def summary(result: dict[str, list[Row]]) -> Row:
    return only(result["daily_sales_summary"])


def rejected(result: dict[str, list[Row]]) -> set[tuple[str, str, int]]:
    return {(r["source_table"], r["reason"], r["rejected_count"]) for r in result["rejected_rows"]}
