"""One day's sessions and events, with their dirt, versions and redeliveries."""

from __future__ import annotations

import numpy as np

from goldpipe.core import contract as ct
from goldpipe.seed.columns import _assign_roles, _concat, _delays, _pick, _redeliver, _times_of_day, _versions
from goldpipe.seed.constants import (
    _BAD_EVENT_TYPES,
    _DEVICE_WEIGHTS,
    _EV,
    _EVENT_WEIGHTS,
    _HOUR,
    _MINUTE,
    _PRODUCT_EVENT_CODES,
    _SECOND,
    _UNKNOWN_CUSTOMERS,
    Arr,
    Cols,
)
from goldpipe.seed.day import _DayContext
from goldpipe.seed.roles import _EVENT_RATES, _EventRole


def _events(rng: np.random.Generator, ctx: _DayContext) -> tuple[Cols, Arr]:
    """The day's events (all versions) and the customer code of each session."""
    sessions = _sessions(rng, ctx)
    lengths = 2 + rng.poisson(3, sessions["customer"].size)
    of = np.repeat(np.arange(lengths.size), lengths)
    first = np.cumsum(lengths) - lengths
    is_first = np.zeros(of.size, dtype=bool)
    is_first[first] = True
    n = of.size
    steps = rng.exponential(40 * _SECOND, n).astype(np.int64)
    steps[is_first] = 0
    walked = np.cumsum(steps)
    offset = walked - walked[first][of]
    # A late session starts earlier rather than spilling into the next day: clipping would
    # pile its events up on the day's last microsecond.
    slack = rng.integers(1, 15 * _MINUTE, lengths.size)
    start = np.minimum(sessions["start"], ctx.last - offset[first + lengths - 1] - slack)
    ts = np.minimum(np.maximum(start, ctx.start)[of] + offset, ctx.last)
    etype = _pick(rng, n, _EVENT_WEIGHTS)
    etype[is_first] = np.where(rng.random(first.size) < 0.8, _EV["page_view"], _EV["product_view"])
    cols: Cols = {
        "eid": np.arange(n),
        "sid": of.copy(),
        "customer": sessions["customer"][of],
        "etype": etype,
        "product": np.where(np.isin(etype, _PRODUCT_EVENT_CODES), ctx.products(rng, n), -1),
        "ts": ts,
        "device": sessions["device"][of],
    }
    # The first event of a session stays valid, so every session (and the customer behind
    # it) is active on the day whatever dirt lands on the rest.
    roles, clean = _assign_roles(rng, np.flatnonzero(~is_first), n, _EVENT_RATES, reserve_clean=2)
    kept_product = _apply_event_roles(rng, ctx, cols, roles)
    cols["ts"][clean[0]] = ctx.last
    ing0 = cols["ts"] + _delays(rng, n, 2, 6 * _HOUR)
    n_prev = np.isin(roles, [_EventRole.FIX_LATER, _EventRole.BREAK_LATER]).astype(np.int64)
    cur, prev, src = _versions(cols, n_prev, ing0, rng.integers(_MINUTE, 2 * _HOUR, n))
    prev["etype"] = np.where(roles[src] == _EventRole.FIX_LATER, -1, prev["etype"])
    prev["product"] = np.where(roles[src] == _EventRole.BREAK_LATER, kept_product[src], prev["product"])
    return _redeliver(rng, _concat(cur, prev), clean[1:2]), sessions["customer"]


def _sessions(rng: np.random.Generator, ctx: _DayContext) -> Cols:
    s = 2 * ctx.n
    u = rng.random(s)
    customer = np.where(u < 0.55, rng.integers(0, ctx.unknown_customer, s), -1)
    customer = np.where(
        (u >= 0.55) & (u < 0.57), ctx.unknown_customer + rng.integers(0, _UNKNOWN_CUSTOMERS, s), customer
    )
    start = _times_of_day(rng, ctx.start, s)
    order = rng.permutation(s)
    # Forced: every sign-up browses, plus one anonymous visitor, one unknown customer, one
    # customer without sign-up time and one whose segment changed.
    signups = order[: ctx.n_signups]
    customer[signups] = ctx.first_signup + np.arange(ctx.n_signups)
    forced = [-1, ctx.unknown_customer, *ctx.dims.null_signup_customers[:1], *ctx.dims.changed_customers[:1]]
    customer[order[ctx.n_signups : ctx.n_signups + len(forced)]] = forced
    start[order[0]] = ctx.start
    return {"customer": customer, "start": start, "device": _pick(rng, s, _DEVICE_WEIGHTS, null_rate=0.005)}


def _apply_event_roles(rng: np.random.Generator, ctx: _DayContext, cols: Cols, roles: Arr) -> Arr:
    """Make each role's row dirty; return the product a later version drops (BREAK_LATER)."""
    etype, product = cols["etype"], cols["product"]

    def where(role: _EventRole) -> Arr:
        return np.flatnonzero(roles == role)

    etype[where(_EventRole.TYPE_NULL)] = -1
    unknown = where(_EventRole.TYPE_UNKNOWN)
    etype[unknown] = len(ct.EVENT_TYPES) + rng.integers(0, len(_BAD_EVENT_TYPES), unknown.size)
    missing = where(_EventRole.MISSING_PRODUCT)
    etype[missing] = rng.choice(_PRODUCT_EVENT_CODES, missing.size)
    product[missing] = -1
    broken = where(_EventRole.BREAK_LATER)
    etype[broken] = _EV["add_to_cart"]
    kept = product.copy()
    kept[broken] = ctx.products(rng, broken.size)
    product[broken] = -1
    cols["sid"][where(_EventRole.NULL_SESSION)] = -1
    views = where(_EventRole.UNKNOWN_PRODUCT_VIEW)
    etype[views] = _EV["product_view"]
    product[views] = ctx.unknown_product
    if ctx.dims.null_category_products.size:
        views = where(_EventRole.NULL_CATEGORY_PRODUCT_VIEW)
        etype[views] = _EV["product_view"]
        product[views] = ctx.dims.null_category_products[0]
    return kept
