"""Build a classified day from hand-written silver rows, as the pipeline does."""

from __future__ import annotations

from typing import Any

import pytest

from spark_apps.pipeline import DaySilver, classify_facts
from spark_apps.transforms.current import current_versions
from tests.spark_apps.silver_rows import silver


@pytest.fixture
def day_silver(spark):
    def build(
        orders: list[dict[str, Any]] = (),
        items: list[dict[str, Any]] = (),
        events: list[dict[str, Any]] = (),
        customers: list[dict[str, Any]] = (),
        products: list[dict[str, Any]] = (),
    ) -> DaySilver:
        raw = {
            "orders": silver(spark, "orders", list(orders)),
            "order_items": silver(spark, "order_items", list(items)),
            "events": silver(spark, "events", list(events)),
        }
        dims = {
            "customers": current_versions(silver(spark, "customers", list(customers)), ("customer_id",)),
            "products": current_versions(silver(spark, "products", list(products)), ("product_id",)),
        }
        return DaySilver(classify_facts(raw), dims)

    return build
