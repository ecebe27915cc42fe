"""One day's sessions and events, with their dirt, versions and redeliveries."""

from __future__ import annotations

import numpy as np

from goldpipe.core import contract as ct
from goldpipe.seed.columns import add_versions, assign_roles, concat, delays, pick, redeliver, times_of_day
from goldpipe.seed.constants import (
    BAD_EVENT_TYPES,
    DEVICE_WEIGHTS,
    EVENT_CODES,
    EVENT_WEIGHTS,
    HOUR,
    MINUTE,
    PRODUCT_EVENT_CODES,
    SECOND,
    UNKNOWN_CUSTOMERS,
    Arr,
    Cols,
)
from goldpipe.seed.day import DayContext
from goldpipe.seed.roles import EVENT_RATES, EventRole


def day_events(rng: np.random.Generator, ctx: DayContext) -> tuple[Cols, Arr]:
    """The day's events (all versions) and the customer code of each session."""
    sessions = _sessions(rng, ctx)
    lengths = 2 + rng.poisson(3, sessions["customer"].size)
    of = np.repeat(np.arange(lengths.size), lengths)
    first = np.cumsum(lengths) - lengths
    is_first = np.zeros(of.size, dtype=bool)
    is_first[first] = True
    n = of.size
    steps = rng.exponential(40 * SECOND, n).astype(np.int64)
    steps[is_first] = 0
    walked = np.cumsum(steps)
    offset = walked - walked[first][of]
    # A late session starts earlier rather than spilling into the next day: clipping would
    # pile its events up on the day's last microsecond.
    slack = rng.integers(1, 15 * MINUTE, lengths.size)
    start = np.minimum(sessions["start"], ctx.last - offset[first + lengths - 1] - slack)
    ts = np.minimum(np.maximum(start, ctx.start)[of] + offset, ctx.last)
    etype = pick(rng, n, EVENT_WEIGHTS)
    etype[is_first] = np.where(
        rng.random(first.size) < 0.8, EVENT_CODES["page_view"], EVENT_CODES["product_view"]
    )
    cols: Cols = {
        "eid": np.arange(n),
        "sid": of.copy(),
        "customer": sessions["customer"][of],
        "etype": etype,
        "product": np.where(np.isin(etype, PRODUCT_EVENT_CODES), ctx.products(rng, n), -1),
        "ts": ts,
        "device": sessions["device"][of],
    }
    # The first event of a session stays valid, so every session (and the customer behind
    # it) is active on the day whatever dirt lands on the rest.
    roles, clean = assign_roles(rng, np.flatnonzero(~is_first), n, EVENT_RATES, reserve_clean=2)
    kept_product = _apply_event_roles(rng, ctx, cols, roles)
    cols["ts"][clean[0]] = ctx.last
    ing0 = cols["ts"] + delays(rng, n, 2, 6 * HOUR)
    n_prev = np.isin(roles, [EventRole.FIX_LATER, EventRole.BREAK_LATER]).astype(np.int64)
    cur, prev, src = add_versions(cols, n_prev, ing0, rng.integers(MINUTE, 2 * HOUR, n))
    prev["etype"] = np.where(roles[src] == EventRole.FIX_LATER, -1, prev["etype"])
    prev["product"] = np.where(roles[src] == EventRole.BREAK_LATER, kept_product[src], prev["product"])
    return redeliver(rng, concat(cur, prev), clean[1:2]), sessions["customer"]


def _sessions(rng: np.random.Generator, ctx: DayContext) -> Cols:
    s = 2 * ctx.n
    u = rng.random(s)
    customer = np.where(u < 0.55, rng.integers(0, ctx.unknown_customer, s), -1)
    customer = np.where(
        (u >= 0.55) & (u < 0.57), ctx.unknown_customer + rng.integers(0, UNKNOWN_CUSTOMERS, s), customer
    )
    start = times_of_day(rng, ctx.start, s)
    order = rng.permutation(s)
    # Forced: every sign-up browses, plus one anonymous visitor, one unknown customer, one
    # customer without sign-up time and one whose segment changed.
    signups = order[: ctx.n_signups]
    customer[signups] = ctx.first_signup + np.arange(ctx.n_signups)
    forced = [-1, ctx.unknown_customer, *ctx.dims.null_signup_customers[:1], *ctx.dims.changed_customers[:1]]
    customer[order[ctx.n_signups : ctx.n_signups + len(forced)]] = forced
    start[order[0]] = ctx.start
    return {"customer": customer, "start": start, "device": pick(rng, s, DEVICE_WEIGHTS, null_rate=0.005)}


def _apply_event_roles(rng: np.random.Generator, ctx: DayContext, cols: Cols, roles: Arr) -> Arr:
    """Make each role's row dirty; return the product a later version drops (BREAK_LATER)."""
    etype, product = cols["etype"], cols["product"]

    def where(role: EventRole) -> Arr:
        return np.flatnonzero(roles == role)

    etype[where(EventRole.TYPE_NULL)] = -1
    unknown = where(EventRole.TYPE_UNKNOWN)
    etype[unknown] = len(ct.EVENT_TYPES) + rng.integers(0, len(BAD_EVENT_TYPES), unknown.size)
    missing = where(EventRole.MISSING_PRODUCT)
    etype[missing] = rng.choice(PRODUCT_EVENT_CODES, missing.size)
    product[missing] = -1
    broken = where(EventRole.BREAK_LATER)
    etype[broken] = EVENT_CODES["add_to_cart"]
    kept = product.copy()
    kept[broken] = ctx.products(rng, broken.size)
    product[broken] = -1
    cols["sid"][where(EventRole.NULL_SESSION)] = -1
    views = where(EventRole.UNKNOWN_PRODUCT_VIEW)
    etype[views] = EVENT_CODES["product_view"]
    product[views] = ctx.unknown_product
    if ctx.dims.null_category_products.size:
        views = where(EventRole.NULL_CATEGORY_PRODUCT_VIEW)
        etype[views] = EVENT_CODES["product_view"]
        product[views] = ctx.dims.null_category_products[0]
    return kept
