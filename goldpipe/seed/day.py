"""One day's context, which every table of the day draws from, the day's sign-ups, and the
day's orders, items and events as Arrow tables (their ids and codes need the context)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from goldpipe.core import contract as ct
from goldpipe.seed.arrow import (
    contract_table,
    id_column,
    int_column,
    large_strings,
    money_column,
    string_column,
    ts_column,
)
from goldpipe.seed.columns import day_start, delays, random_stream
from goldpipe.seed.constants import (
    DAY,
    DEVICES,
    EVENT_DICT,
    HOUR,
    POPULARITY_STREAM,
    STATUS_DICT,
    UNKNOWN_CUSTOMERS,
    UNKNOWN_PRODUCTS,
    Arr,
    Cols,
)
from goldpipe.seed.dimensions import DimsView, customer_attributes


@dataclass(frozen=True)
class DayContext:
    day: date
    n: int  # the day's orders
    key: int  # orders_per_day: what the random streams are keyed by, whatever the day's count
    seed: int
    dims: DimsView
    start: int  # 00:00:00.000000 of the day, microseconds since the epoch
    tag: str  # the day in ids
    n_signups: int
    popularity: Arr  # product draw probabilities

    @classmethod
    def build(cls, day: date, n: int, seed: int, dims: DimsView, orders: int | None = None) -> DayContext:
        """``n``: orders_per_day; ``orders``: the day's own count when a season changes it."""
        ranks = random_stream(seed, n, POPULARITY_STREAM).permutation(len(dims.product_ids))
        weights = 1.0 / (ranks + 5.0)
        return cls(
            day=day,
            n=n if orders is None else orders,
            key=n,
            seed=seed,
            dims=dims,
            start=day_start(day),
            tag=day.strftime("%Y%m%d"),
            n_signups=max(1, (n if orders is None else orders) // 100),
            popularity=weights / weights.sum(),
        )

    @property
    def last(self) -> int:
        """23:59:59.999999 of the day."""
        return self.start + DAY - 1

    def rng(self, stream: int) -> np.random.Generator:
        return random_stream(self.seed, self.key, self.day.toordinal(), stream)

    # Customer codes: pool index, then unknown ids, then the day's sign-ups; -1 is null.
    @property
    def unknown_customer(self) -> int:
        return len(self.dims.customer_ids)

    @property
    def first_signup(self) -> int:
        return self.unknown_customer + UNKNOWN_CUSTOMERS

    # Product codes: pool index, then unknown ids; -1 is null.
    @property
    def unknown_product(self) -> int:
        return len(self.dims.product_ids)

    def products(self, rng: np.random.Generator, n: int) -> Arr:
        """Popular products mostly, an id absent from the dimension 1 % of the time."""
        codes = rng.choice(self.popularity.size, size=n, p=self.popularity).astype(np.int64)
        unknown = rng.random(n) < 0.01
        codes[unknown] = self.unknown_product + rng.integers(0, UNKNOWN_PRODUCTS, int(unknown.sum()))
        return codes


def day_signups(rng: np.random.Generator, ctx: DayContext, orders: Cols, events: Cols) -> Cols:
    """The customers who sign up on the day, each before its first order or event."""
    k = ctx.n_signups
    first = np.full(k, ctx.last, dtype=np.int64)
    for rows in (orders, events):
        who = rows["customer"] - ctx.first_signup
        mine = who >= 0
        np.minimum.at(first, who[mine], rows["ts"][mine])
    signup = ctx.start + (rng.random(k) * (first - ctx.start)).astype(np.int64)
    cols = {"num": np.arange(k), **customer_attributes(rng, k), "signup": signup}
    cols["ingested_at"] = signup + delays(rng, k, 10, HOUR)
    return cols


def _customer_dictionary(ctx: DayContext) -> pa.Array:
    unknown = id_column("CX", np.arange(UNKNOWN_CUSTOMERS), 5)
    signups = id_column(f"C{ctx.tag}-", np.arange(ctx.n_signups), 5)
    return pa.concat_arrays([ctx.dims.customer_ids.cast(pa.large_string()), unknown, signups])


def _product_dictionary(ctx: DayContext) -> pa.Array:
    unknown = id_column("PX", np.arange(UNKNOWN_PRODUCTS), 5)
    return pa.concat_arrays([ctx.dims.product_ids.cast(pa.large_string()), unknown])


def orders_table(ctx: DayContext, cols: Cols) -> pa.Table:
    return contract_table(
        ct.ORDERS,
        order_id=id_column(f"O{ctx.tag}-", cols["oid"], 7),
        customer_id=string_column(cols["customer"], _customer_dictionary(ctx)),
        order_ts=ts_column(cols["ts"]),
        status=string_column(cols["status"], large_strings(STATUS_DICT)),
        channel=string_column(cols["channel"], large_strings(ct.CHANNELS)),
        ingested_at=ts_column(cols["ingested_at"]),
    )


def items_table(ctx: DayContext, cols: Cols) -> pa.Table:
    return contract_table(
        ct.ORDER_ITEMS,
        order_id=id_column(f"O{ctx.tag}-", cols["oid"], 7),
        line_number=int_column(cols["line"]),
        product_id=string_column(cols["product"], _product_dictionary(ctx)),
        quantity=int_column(cols["quantity"]),
        unit_price=money_column(cols["unit"]),
        discount_amount=money_column(cols["discount"]),
        order_ts=ts_column(cols["ts"]),
        ingested_at=ts_column(cols["ingested_at"]),
    )


def events_table(ctx: DayContext, cols: Cols) -> pa.Table:
    return contract_table(
        ct.EVENTS,
        event_id=id_column(f"E{ctx.tag}-", cols["eid"], 8),
        session_id=id_column(f"S{ctx.tag}-", cols["sid"], 7),
        customer_id=string_column(cols["customer"], _customer_dictionary(ctx)),
        event_type=string_column(cols["etype"], large_strings(EVENT_DICT)),
        product_id=string_column(cols["product"], _product_dictionary(ctx)),
        event_ts=ts_column(cols["ts"]),
        device=string_column(cols["device"], large_strings(DEVICES)),
        ingested_at=ts_column(cols["ingested_at"]),
    )
