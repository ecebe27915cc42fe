from __future__ import annotations

import pytest

from spark_apps.transforms.current import current_versions
from tests.spark_apps.silver_rows import collect, silver, ts

pytestmark = pytest.mark.spark


def test_latest_ingested_version_wins_whatever_the_arrival_order(spark):
    rows = silver(
        spark,
        "orders",
        [
            {"order_id": "o1", "status": "paid", "order_ts": ts("10:00"), "ingested_at": ts("10:05")},
            {"order_id": "o1", "status": "shipped", "order_ts": ts("10:00"), "ingested_at": ts("12:00")},
            {"order_id": "o1", "status": "placed", "order_ts": ts("10:00"), "ingested_at": ts("10:01")},
            {"order_id": "o2", "status": "placed", "order_ts": ts("11:00")},
        ],
    )
    current = {r["order_id"]: r["status"] for r in collect(current_versions(rows, ("order_id",)))}
    assert current == {"o1": "shipped", "o2": "placed"}


def test_redelivery_of_the_same_row_counts_once(spark):
    row = {"order_id": "o1", "line_number": 1, "product_id": "p1", "quantity": 1, "order_ts": ts("10:00")}
    rows = silver(
        spark,
        "order_items",
        [{**row, "ingested_at": ts("10:01")}, {**row, "ingested_at": ts("10:02")}],
    )
    assert len(collect(current_versions(rows, ("order_id", "line_number")))) == 1


def test_composite_key_keeps_each_line(spark):
    rows = silver(
        spark,
        "order_items",
        [
            {"order_id": "o1", "line_number": 1, "quantity": 1, "order_ts": ts("10:00")},
            {"order_id": "o1", "line_number": 2, "quantity": 2, "order_ts": ts("10:00")},
            {
                "order_id": "o1",
                "line_number": 2,
                "quantity": 5,
                "order_ts": ts("10:00"),
                "ingested_at": ts("13:00"),
            },
        ],
    )
    current = {
        r["line_number"]: r["quantity"] for r in collect(current_versions(rows, ("order_id", "line_number")))
    }
    assert current == {1: 1, 2: 5}


def test_a_later_version_can_break_a_valid_row(spark):
    from spark_apps.transforms.validity import REASON, classify_orders

    rows = silver(
        spark,
        "orders",
        [
            {"order_id": "o1", "customer_id": "c1", "status": "paid", "order_ts": ts("10:00")},
            {
                "order_id": "o1",
                "customer_id": None,
                "status": "paid",
                "order_ts": ts("10:00"),
                "ingested_at": ts("20:00"),
            },
        ],
    )
    [row] = collect(classify_orders(current_versions(rows, ("order_id",))))
    assert row[REASON] == "missing_customer"
