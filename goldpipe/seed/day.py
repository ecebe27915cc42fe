"""One day's context, which every table of the day draws from, the day's sign-ups, and the
day's orders, items and events as Arrow tables (their ids and codes need the context)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from goldpipe.core import contract as ct
from goldpipe.seed.arrow import _ids, _ints, _large, _money, _strings, _table, _ts
from goldpipe.seed.columns import _day_start, _delays, _rng
from goldpipe.seed.constants import (
    _DAY,
    _DEVICES,
    _EVENT_DICT,
    _HOUR,
    _POPULARITY,
    _STATUS_DICT,
    _UNKNOWN_CUSTOMERS,
    _UNKNOWN_PRODUCTS,
    Arr,
    Cols,
)
from goldpipe.seed.dimensions import _customer_attributes, _DimsView


@dataclass(frozen=True)
class _DayContext:
    day: date
    n: int  # the day's orders
    key: int  # orders_per_day: what the random streams are keyed by, whatever the day's count
    seed: int
    dims: _DimsView
    start: int  # 00:00:00.000000 of the day, microseconds since the epoch
    tag: str  # the day in ids
    n_signups: int
    popularity: Arr  # product draw probabilities

    @classmethod
    def build(cls, day: date, n: int, seed: int, dims: _DimsView, orders: int | None = None) -> _DayContext:
        """``n``: orders_per_day; ``orders``: the day's own count when a season changes it."""
        ranks = _rng(seed, n, _POPULARITY).permutation(len(dims.product_ids))
        weights = 1.0 / (ranks + 5.0)
        return cls(
            day=day,
            n=n if orders is None else orders,
            key=n,
            seed=seed,
            dims=dims,
            start=_day_start(day),
            tag=day.strftime("%Y%m%d"),
            n_signups=max(1, (n if orders is None else orders) // 100),
            popularity=weights / weights.sum(),
        )

    @property
    def last(self) -> int:
        """23:59:59.999999 of the day."""
        return self.start + _DAY - 1

    def rng(self, stream: int) -> np.random.Generator:
        return _rng(self.seed, self.key, self.day.toordinal(), stream)

    # Customer codes: pool index, then unknown ids, then the day's sign-ups; -1 is null.
    @property
    def unknown_customer(self) -> int:
        return len(self.dims.customer_ids)

    @property
    def first_signup(self) -> int:
        return self.unknown_customer + _UNKNOWN_CUSTOMERS

    # Product codes: pool index, then unknown ids; -1 is null.
    @property
    def unknown_product(self) -> int:
        return len(self.dims.product_ids)

    def products(self, rng: np.random.Generator, n: int) -> Arr:
        """Popular products mostly, an id absent from the dimension 1 % of the time."""
        codes = rng.choice(self.popularity.size, size=n, p=self.popularity).astype(np.int64)
        unknown = rng.random(n) < 0.01
        codes[unknown] = self.unknown_product + rng.integers(0, _UNKNOWN_PRODUCTS, int(unknown.sum()))
        return codes


def _signups(rng: np.random.Generator, ctx: _DayContext, orders: Cols, events: Cols) -> Cols:
    """The customers who sign up on the day, each before its first order or event."""
    k = ctx.n_signups
    first = np.full(k, ctx.last, dtype=np.int64)
    for rows in (orders, events):
        who = rows["customer"] - ctx.first_signup
        mine = who >= 0
        np.minimum.at(first, who[mine], rows["ts"][mine])
    signup = ctx.start + (rng.random(k) * (first - ctx.start)).astype(np.int64)
    cols = {"num": np.arange(k), **_customer_attributes(rng, k), "signup": signup}
    cols["ingested_at"] = signup + _delays(rng, k, 10, _HOUR)
    return cols


def _customer_dictionary(ctx: _DayContext) -> pa.Array:
    unknown = _ids("CX", np.arange(_UNKNOWN_CUSTOMERS), 5)
    signups = _ids(f"C{ctx.tag}-", np.arange(ctx.n_signups), 5)
    return pa.concat_arrays([ctx.dims.customer_ids.cast(pa.large_string()), unknown, signups])


def _product_dictionary(ctx: _DayContext) -> pa.Array:
    unknown = _ids("PX", np.arange(_UNKNOWN_PRODUCTS), 5)
    return pa.concat_arrays([ctx.dims.product_ids.cast(pa.large_string()), unknown])


def _orders_table(ctx: _DayContext, cols: Cols) -> pa.Table:
    return _table(
        ct.ORDERS,
        order_id=_ids(f"O{ctx.tag}-", cols["oid"], 7),
        customer_id=_strings(cols["customer"], _customer_dictionary(ctx)),
        order_ts=_ts(cols["ts"]),
        status=_strings(cols["status"], _large(_STATUS_DICT)),
        channel=_strings(cols["channel"], _large(ct.CHANNELS)),
        ingested_at=_ts(cols["ingested_at"]),
    )


def _items_table(ctx: _DayContext, cols: Cols) -> pa.Table:
    return _table(
        ct.ORDER_ITEMS,
        order_id=_ids(f"O{ctx.tag}-", cols["oid"], 7),
        line_number=_ints(cols["line"]),
        product_id=_strings(cols["product"], _product_dictionary(ctx)),
        quantity=_ints(cols["quantity"]),
        unit_price=_money(cols["unit"]),
        discount_amount=_money(cols["discount"]),
        order_ts=_ts(cols["ts"]),
        ingested_at=_ts(cols["ingested_at"]),
    )


def _events_table(ctx: _DayContext, cols: Cols) -> pa.Table:
    return _table(
        ct.EVENTS,
        event_id=_ids(f"E{ctx.tag}-", cols["eid"], 8),
        session_id=_ids(f"S{ctx.tag}-", cols["sid"], 7),
        customer_id=_strings(cols["customer"], _customer_dictionary(ctx)),
        event_type=_strings(cols["etype"], _large(_EVENT_DICT)),
        product_id=_strings(cols["product"], _product_dictionary(ctx)),
        event_ts=_ts(cols["ts"]),
        device=_strings(cols["device"], _large(_DEVICES)),
        ingested_at=_ts(cols["ingested_at"]),
    )
