"""gold.rejected_rows."""

from __future__ import annotations

import pytest

from spark_apps.pipeline import job_output
from tests.spark_apps.silver_rows import DAY, collect, ts
from tests.support.transform_rows import event, item, order

pytestmark = pytest.mark.spark


def test_one_row_per_source_and_reason_of_current_versions(day_silver):
    s = day_silver(
        orders=[
            order("o1"),
            order("o2", None),
            order("o3", status="lost"),
            # Rejected in an older version, fixed by the current one: not rejected.
            order("o4", None, ingested_at=ts("10:01")),
            order("o4", "c4", ingested_at=ts("10:02")),
        ],
        items=[item("o1", 1), item("o2", 1), item("o1", 2, product_id=None), item("o1", 3, quantity=-1)],
        events=[event("e1", event_type=None), event("e2", event_type="add_to_cart"), event("e3")],
    )
    result = {
        (r["source_table"], r["reason"]): r["rejected_count"]
        for r in collect(job_output("rejected_rows", s, DAY))
    }
    assert result == {
        ("orders", "missing_customer"): 1,
        ("orders", "bad_status"): 1,
        ("order_items", "orphan_item"): 1,
        ("order_items", "missing_product"): 1,
        ("order_items", "bad_quantity"): 1,
        ("events", "bad_event_type"): 1,
        ("events", "missing_product"): 1,
    }
    assert {r["event_date"] for r in collect(job_output("rejected_rows", s, DAY))} == {DAY}


def test_clean_day_has_no_rows(day_silver):
    s = day_silver(orders=[order("o1")], items=[item("o1", 1)], events=[event("e1")])
    assert collect(job_output("rejected_rows", s, DAY)) == []
