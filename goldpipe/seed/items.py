"""One day's order items, with their dirt, versions and redeliveries."""

from __future__ import annotations

from typing import Final

import numpy as np

from goldpipe.seed.columns import add_versions, concat, pick, redeliver
from goldpipe.seed.constants import HOUR, ITEMS_PER_ORDER_WEIGHTS, MINUTE, NULL, SECOND, Arr, Cols
from goldpipe.seed.day import DayContext
from goldpipe.seed.orders import OrderFacts
from goldpipe.seed.roles import ITEM_RATES, ItemRole

_FORCED_ITEM_ROLES: Final = tuple(r for r in ItemRole if r != ItemRole.CLEAN)


def day_items(rng: np.random.Generator, ctx: DayContext, facts: OrderFacts) -> Cols:
    """The day's order items, all versions and redeliveries, in arrival order."""
    n = ctx.n
    counts = 1 + pick(rng, n, ITEMS_PER_ORDER_WEIGHTS)
    order = np.repeat(np.arange(n), counts)
    line = np.arange(order.size) - (np.cumsum(counts) - counts)[order] + 1
    p = np.array(list(ITEM_RATES.values()))
    codes = np.array([0, *ITEM_RATES], dtype=np.int64)
    drawn = codes[rng.choice(codes.size, size=order.size, p=[1 - p.sum(), *p])]
    # Forced dirt goes on extra lines of good orders (valid, not cancelled), where no
    # earlier rule (orphan_item) can hide it and the valid kinds reach gold metrics.
    # A last clean line on the forced cancelled order: valid items that count for nothing.
    slot = np.arange(len(_FORCED_ITEM_ROLES))
    extra = np.append(facts.good[slot % facts.good.size], facts.cancelled)
    order = np.concatenate([order, extra])
    line = np.concatenate([line, counts[extra] + np.append(slot // facts.good.size, 0) + 1])
    roles = np.concatenate([drawn, np.array([*_FORCED_ITEM_ROLES, ItemRole.CLEAN], dtype=np.int64)])
    m = order.size
    product = _item_products(rng, ctx, roles)
    quantity = np.minimum(rng.geometric(0.6, m), 10).astype(np.int64)
    unit = _unit_prices(rng, ctx, product)
    gross = quantity * unit
    u = rng.random(m)
    share = np.floor(gross * rng.uniform(0.02, 0.25, m)).astype(np.int64)
    cols: Cols = {
        "oid": order.copy(),
        "line": line,
        "product": product,
        "quantity": quantity,
        "unit": unit,
        "discount": np.where(u < 0.75, NULL, np.where(u < 0.80, 0, share)),
        "ts": facts.ts[order],
    }
    kept_quantity = _apply_item_roles(rng, cols, roles, n)
    ing0 = facts.ingested[order] + rng.integers(0, 5 * SECOND, m)
    later = [ItemRole.FIX_LATER, ItemRole.BREAK_LATER, ItemRole.QUANTITY_CORRECTION]
    n_prev = np.isin(roles, later).astype(np.int64)
    cur, prev, src = add_versions(cols, n_prev, ing0, rng.integers(5 * MINUTE, 12 * HOUR, m))
    role = roles[src]
    prev["unit"] = np.where(role == ItemRole.FIX_LATER, NULL, prev["unit"])
    prev["quantity"] = np.where(role == ItemRole.BREAK_LATER, kept_quantity[src], prev["quantity"])
    # A correction lowers the quantity: the first version over-counted.
    corrected = prev["quantity"] + rng.integers(1, 4, src.size)
    prev["quantity"] = np.where(role == ItemRole.QUANTITY_CORRECTION, corrected, prev["quantity"])
    return redeliver(rng, concat(cur, prev), np.flatnonzero(roles == ItemRole.REDELIVERED))


def _item_products(rng: np.random.Generator, ctx: DayContext, roles: Arr) -> Arr:
    product = ctx.products(rng, roles.size)
    product[roles == ItemRole.UNKNOWN_PRODUCT] = ctx.unknown_product
    for role, candidates in (
        (ItemRole.NULL_CATEGORY_PRODUCT, ctx.dims.null_category_products),
        (ItemRole.CHANGED_CATEGORY_PRODUCT, ctx.dims.changed_products),
    ):
        if candidates.size:
            product[roles == role] = candidates[0]
    return product


def _unit_prices(rng: np.random.Generator, ctx: DayContext, product: Arr) -> Arr:
    """Half at list price, half within a few percent of it; unknown products get a price."""
    known = product < ctx.unknown_product
    listed = np.where(known, ctx.dims.list_price[np.where(known, product, 0)], NULL)
    guess = np.clip(rng.lognormal(np.log(2500), 0.9, product.size), 99, 299_999).astype(np.int64)
    listed = np.where(listed == NULL, guess, listed)
    jitter = np.rint(listed * (1 + rng.normal(0, 0.03, product.size))).astype(np.int64)
    return np.maximum(np.where(rng.random(product.size) < 0.5, listed, jitter), 1)


def _apply_item_roles(rng: np.random.Generator, cols: Cols, roles: Arr, n_orders: int) -> Arr:
    """Make each role's row dirty; return the quantity a later version zeroes (BREAK_LATER)."""
    r = ItemRole

    def rows(*which: ItemRole) -> Arr:
        return np.flatnonzero(np.isin(roles, which))

    orphans = rows(r.ORPHAN, r.ORPHAN_AND_BAD_PRICE)
    # Order numbers past the day's last order: ids no order has.
    cols["oid"][orphans] = n_orders + np.arange(orphans.size)
    cols["product"][rows(r.MISSING_PRODUCT, r.MISSING_PRODUCT_AND_BAD_QUANTITY)] = -1
    quantity, unit, discount = cols["quantity"], cols["unit"], cols["discount"]
    quantity[rows(r.QUANTITY_NULL)] = NULL
    quantity[rows(r.QUANTITY_ZERO, r.MISSING_PRODUCT_AND_BAD_QUANTITY)] = 0
    negative = rows(r.QUANTITY_NEGATIVE, r.BAD_QUANTITY_AND_BAD_PRICE)
    quantity[negative] = -rng.integers(1, 4, negative.size)
    unit[rows(r.PRICE_NULL, r.BAD_QUANTITY_AND_BAD_PRICE)] = NULL
    negative = rows(r.PRICE_NEGATIVE, r.ORPHAN_AND_BAD_PRICE)
    unit[negative] = -unit[negative]
    negative = rows(r.DISCOUNT_NEGATIVE)
    discount[negative] = -rng.integers(1, 501, negative.size)
    above = rows(r.DISCOUNT_ABOVE_GROSS)
    discount[above] = quantity[above] * unit[above] + rng.integers(1, 1001, above.size)
    discount[rows(r.NULL_DISCOUNT)] = NULL
    discounted = rows(r.DISCOUNTED)
    discount[discounted] = np.maximum(quantity[discounted] * unit[discounted] // 10, 1)
    kept = quantity.copy()
    quantity[rows(r.BREAK_LATER)] = 0
    return kept
