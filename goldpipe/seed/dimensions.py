"""The customer and product dimensions, and the view of them a day reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from goldpipe.core import contract as ct
from goldpipe.seed.arrow import customers_table, products_table
from goldpipe.seed.columns import add_versions, concat, delays, pick, redeliver
from goldpipe.seed.constants import (
    BRANDS,
    CATEGORIES,
    CATEGORY_WEIGHTS,
    COUNTRY_WEIGHTS,
    DAY,
    NULL,
    SEGMENT_WEIGHTS,
    Arr,
    Cols,
)


def customer_attributes(rng: np.random.Generator, n: int) -> Cols:
    return {
        "has_email": (rng.random(n) >= 0.02).astype(np.int64),
        "country": pick(rng, n, COUNTRY_WEIGHTS, null_rate=0.01),
        "segment": pick(rng, n, SEGMENT_WEIGHTS, null_rate=0.005),
    }


def dimension_customers(rng: np.random.Generator, orders_per_day: int, end: int) -> pa.Table:
    n = max(200, 2 * orders_per_day)
    cols = {"num": np.arange(n), **customer_attributes(rng, n)}
    cols["signup"] = end - rng.integers(365 * DAY, 3 * 365 * DAY, n)
    null_signup, changed, redelivered = _flags(rng, n, (0.03, 0.05, 0.02))
    cols["signup"][null_signup] = NULL
    # A customer without sign-up time was still ingested at some point before the end date.
    known = np.where(null_signup, end - rng.integers(365 * DAY, 3 * 365 * DAY, n), cols["signup"])
    ing0 = known + delays(rng, n, 60, DAY)
    cur, prev, _ = add_versions(cols, changed.astype(np.int64), ing0, rng.integers(DAY, 120 * DAY, n))
    # The earlier version had another segment: the customer moved up (or down) since.
    prev["segment"] = np.where(prev["segment"] < 0, 0, (prev["segment"] + 1) % len(ct.SEGMENTS))
    rows = concat(cur, prev)
    return customers_table(redeliver(rng, rows, np.flatnonzero(redelivered)), "C", 7)


def dimension_products(rng: np.random.Generator, orders_per_day: int, end: int) -> pa.Table:
    n = max(100, orders_per_day // 20)
    category = pick(rng, n, CATEGORY_WEIGHTS)
    cents = np.clip(rng.lognormal(np.log(2500), 0.9, n), 99, 299_999).astype(np.int64)
    cents = np.where(rng.random(n) < 0.6, cents // 100 * 100 + 99, cents)
    cols = {
        "num": np.arange(n),
        "noun": category * 3 + rng.integers(0, 3, n),
        "model": rng.integers(100, 1000, n),
        "brand": pick(rng, n, [1.0] * len(BRANDS), null_rate=0.02),
        "category": category,
        "price": cents,
    }
    null_category, recategorised, repriced, redelivered = _flags(rng, n, (0.03, 0.08, 0.05, 0.02))
    cols["category"] = np.where(null_category, -1, category)
    ing0 = end - 400 * DAY + rng.integers(0, 30 * DAY, n)
    n_prev = (recategorised | repriced).astype(np.int64)
    cur, prev, src = add_versions(cols, n_prev, ing0, rng.integers(DAY, 60 * DAY, n))
    moved = recategorised[src]
    prev["category"] = np.where(moved, (category[src] + 1) % len(CATEGORIES), prev["category"])
    prev["price"] = np.where(repriced[src], prev["price"] * 11 // 10, prev["price"])
    rows = concat(cur, prev)
    return products_table(redeliver(rng, rows, np.flatnonzero(redelivered)))


def _flags(rng: np.random.Generator, n: int, rates: Sequence[float]) -> list[Arr]:
    """Independent boolean flags at ``rates``; flag k is forced on for row k."""
    flags = []
    for k, rate in enumerate(rates):
        flag = rng.random(n) < rate
        flag[k] = True
        flags.append(flag)
    return flags


@dataclass(frozen=True)
class DimsView:
    """What a day needs from the dimensions, read from their current versions."""

    customer_ids: pa.Array
    product_ids: pa.Array
    list_price: Arr  # cents, NULL when unknown; aligned with product_ids
    null_signup_customers: Arr  # indices into customer_ids
    changed_customers: Arr
    null_category_products: Arr  # indices into product_ids
    changed_products: Arr

    @classmethod
    def of(cls, dims: Mapping[str, pa.Table]) -> DimsView:
        customers, changed_customers = _current(dims["customers"], "customer_id", "segment")
        products, changed_products = _current(dims["products"], "product_id", "category")
        price = pc.round(pc.multiply(pc.cast(products.column("list_price"), pa.float64()), 100.0))
        return cls(
            customer_ids=customers.column("customer_id").combine_chunks(),
            product_ids=products.column("product_id").combine_chunks(),
            list_price=np.asarray(pc.fill_null(pc.cast(price, pa.int64()), NULL)),
            null_signup_customers=_null_rows(customers, "signup_ts"),
            changed_customers=changed_customers,
            null_category_products=_null_rows(products, "category"),
            changed_products=changed_products,
        )


def _current(table: pa.Table, key: str, watched: str) -> tuple[pa.Table, Arr]:
    """The current version per key (greatest ``ingested_at``), sorted by key, and the rows
    of it whose ``watched`` column took two different values over its versions."""
    t = table.sort_by([(key, "ascending"), ("ingested_at", "descending")])
    keys, values = t.column(key), t.column(watched)
    same_key = np.asarray(pc.equal(keys.slice(1), keys.slice(0, len(keys) - 1)))
    # Between two non-null values: a value that merely became null is not a change of segment
    # or category.
    differs = np.asarray(pc.fill_null(pc.not_equal(values.slice(1), values.slice(0, len(values) - 1)), False))
    first = np.concatenate([[True], ~same_key])
    group = np.cumsum(first) - 1
    changed = np.unique(group[1:][same_key & differs])
    return t.filter(pa.array(first)), changed


def _null_rows(table: pa.Table, column: str) -> Arr:
    return np.flatnonzero(np.asarray(pc.is_null(table.column(column))))
