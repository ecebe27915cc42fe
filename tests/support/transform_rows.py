"""Hand-written silver rows for the transformation tests (tests/spark_apps/transforms): an order,
an order line, a product and an event with only the columns those tests vary, with defaults each
test overrides; ``tests.spark_apps.silver_rows.silver`` fills in the rest."""

from __future__ import annotations

from typing import Any

from tests.spark_apps.silver_rows import money, ts

Row = dict[str, Any]


def order(
    order_id: str | None,
    customer_id: str | None = "c1",
    status: str | None = "paid",
    at: str = "10:00",
    **extra: Any,
) -> Row:
    return {"order_id": order_id, "customer_id": customer_id, "status": status, "order_ts": ts(at), **extra}


def item(
    order_id: str | None,
    line: int | None,
    product_id: str | None = "p1",
    quantity: int | None = 1,
    price: str | None = "10.00",
    discount: str | None = None,
    at: str = "10:00",
) -> Row:
    return {
        "order_id": order_id,
        "line_number": line,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price": money(price),
        "discount_amount": money(discount),
        "order_ts": ts(at),
    }


def product(product_id: str | None, category: str | None, brand: str | None = "b") -> Row:
    return {"product_id": product_id, "category": category, "brand": brand, "ingested_at": ts("00:00")}


def event(
    event_id: str | None,
    customer_id: str | None = "c1",
    event_type: str | None = "page_view",
    at: str = "09:00",
    session: str | None = "s1",
    product_id: str | None = None,
) -> Row:
    return {
        "event_id": event_id,
        "customer_id": customer_id,
        "event_type": event_type,
        "event_ts": ts(at),
        "session_id": session,
        "product_id": product_id,
    }
