"""One day's orders, with their dirt, status histories and redeliveries."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from goldpipe.core import contract as ct
from goldpipe.seed.columns import add_versions, assign_roles, concat, delays, pick, redeliver, times_of_day
from goldpipe.seed.constants import (
    BAD_STATUSES,
    CHANNEL_WEIGHTS,
    HOUR,
    LIFECYCLE,
    MINUTE,
    STATUS_CODES,
    STATUS_DICT,
    STATUS_WEIGHTS,
    UNKNOWN_CUSTOMERS,
    Arr,
    Cols,
)
from goldpipe.seed.day import DayContext
from goldpipe.seed.roles import ORDER_RATES, OrderRole


@dataclass(frozen=True)
class OrderFacts:
    """Per order id: what its items copy or need."""

    ts: Arr
    ingested: Arr  # first ingestion; the items arrive with it
    good: Arr  # valid current orders that are not cancelled: where forced item dirt goes
    cancelled: int  # a valid cancelled order


def day_orders(rng: np.random.Generator, ctx: DayContext, session_customers: Arr) -> tuple[Cols, OrderFacts]:
    """The day's orders, all versions and redeliveries, in arrival order."""
    n = ctx.n
    cols: Cols = {
        "oid": np.arange(n),
        "customer": _order_customers(rng, ctx, session_customers),
        "ts": times_of_day(rng, ctx.start, n),
        "status": pick(rng, n, STATUS_WEIGHTS),
        "channel": pick(rng, n, CHANNEL_WEIGHTS, null_rate=0.005),
    }
    roles, clean = assign_roles(rng, np.arange(n), n, ORDER_RATES, reserve_clean=3)
    valid_status = cols["status"].copy()
    _apply_order_roles(rng, cols, roles)
    # Forced features on clean orders: the day's edges, the statuses gold must not count or
    # must count, a sign-up's order, an unknown customer, a full status history.
    cancelled, returned, delivered = clean[0], clean[1], clean[2]
    cols["status"][[cancelled, returned, delivered]] = [
        STATUS_CODES["cancelled"],
        STATUS_CODES["returned"],
        STATUS_CODES["delivered"],
    ]
    cols["ts"][[cancelled, returned]] = [ctx.start, ctx.last]
    cols["customer"][[cancelled, delivered]] = [ctx.unknown_customer, ctx.first_signup]
    n_prev = _status_history(rng, cols["status"], roles, delivered)
    ing0 = cols["ts"] + delays(rng, n, 30, 2 * HOUR)
    cur, prev, src = add_versions(cols, n_prev, ing0, rng.integers(5 * MINUTE, 12 * HOUR, n))
    first = np.cumsum(n_prev) - n_prev
    version = np.arange(src.size) - first[src]
    walk = LIFECYCLE[np.maximum(_lifecycle_position(cur["status"][src]) - n_prev[src] + version, 0)]
    prev["status"] = np.where(roles[src] == OrderRole.CLEAN, walk, prev["status"])
    prev["status"] = np.where(roles[src] == OrderRole.BREAK_LATER, valid_status[src], prev["status"])
    prev["customer"] = np.where(roles[src] == OrderRole.FIX_LATER, -1, prev["customer"])
    candidates = np.concatenate([clean, np.flatnonzero(roles == OrderRole.FIX_LATER)])
    good = np.sort(candidates[cols["status"][candidates] != STATUS_CODES["cancelled"]])
    rows = redeliver(rng, concat(cur, prev), np.array([returned]))
    return rows, OrderFacts(ts=cols["ts"], ingested=ing0, good=good, cancelled=int(cancelled))


def _order_customers(rng: np.random.Generator, ctx: DayContext, session_customers: Arr) -> Arr:
    """Most buyers browsed today; some order without a tracked session."""
    n = ctx.n
    logged_in = session_customers[session_customers >= 0]
    u = rng.random(n)
    customer = np.where(
        u < 0.6, logged_in[rng.integers(0, logged_in.size, n)], rng.integers(0, ctx.unknown_customer, n)
    )
    return np.where(u > 0.99, ctx.unknown_customer + rng.integers(0, UNKNOWN_CUSTOMERS, n), customer)


def _apply_order_roles(rng: np.random.Generator, cols: Cols, roles: Arr) -> None:
    def bad_statuses(k: int) -> Arr:
        return len(ct.ORDER_STATUSES) + rng.integers(0, len(BAD_STATUSES), k)

    both = roles == OrderRole.MISSING_CUSTOMER_AND_BAD_STATUS
    cols["customer"][(roles == OrderRole.MISSING_CUSTOMER) | both] = -1
    cols["status"][roles == OrderRole.STATUS_NULL] = -1
    unknown = (roles == OrderRole.STATUS_UNKNOWN) | both | (roles == OrderRole.BREAK_LATER)
    cols["status"][unknown] = bad_statuses(int(unknown.sum()))


def _lifecycle_position(status: Arr) -> Arr:
    """Index in ``LIFECYCLE``; a cancellation comes right after ``placed``."""
    lookup = np.zeros(len(STATUS_DICT), dtype=np.int64)
    lookup[LIFECYCLE] = np.arange(LIFECYCLE.size)
    lookup[STATUS_CODES["cancelled"]] = 1
    return lookup[status]


def _status_history(rng: np.random.Generator, status: Arr, roles: Arr, forced: int) -> Arr:
    """How many earlier versions each order has: 15 % of clean orders walk (part of) their
    lifecycle; FIX_LATER and BREAK_LATER orders have exactly one."""
    valid = status >= 0
    position = np.where(valid, _lifecycle_position(np.maximum(status, 0)), 0)
    walks = (roles == OrderRole.CLEAN) & (position > 0) & (rng.random(status.size) < 0.15)
    n_prev = np.where(walks, rng.integers(1, np.maximum(position, 1) + 1), 0)
    n_prev[forced] = position[forced]
    n_prev[np.isin(roles, [OrderRole.FIX_LATER, OrderRole.BREAK_LATER])] = 1
    return n_prev.astype(np.int64)
