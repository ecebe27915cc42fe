"""Pure generation (Arrow tables, no catalog): the dimensions and one day, and input checks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pyarrow as pa

from goldpipe.core.errors import GoldpipeError
from goldpipe.seed.arrow import _customers_table
from goldpipe.seed.columns import _day_start, _rng
from goldpipe.seed.constants import (
    _CUSTOMERS,
    _EVENTS,
    _INCIDENTS,
    _ITEMS,
    _ORDERS,
    _PRODUCTS,
    _SIGNUPS,
    MIN_ORDERS_PER_DAY,
)
from goldpipe.seed.day import _DayContext, _events_table, _items_table, _orders_table, _signups
from goldpipe.seed.dimensions import _dimension_customers, _dimension_products, _DimsView
from goldpipe.seed.events import _events
from goldpipe.seed.items import _items
from goldpipe.seed.orders import _orders
from goldpipe.seed.season import Season, apply_to_items


def day_range(days: int, end_date: date) -> list[date]:
    """The ``days`` consecutive days ending with ``end_date``, oldest first."""
    _check_positive("days", days, 1)
    return [end_date - timedelta(days=days - 1 - i) for i in range(days)]


def generate_dimensions(seed: int, orders_per_day: int, end_date: date) -> dict[str, pa.Table]:
    """The customer and product dimensions (several versions for some keys).

    Values depend on ``(seed, orders_per_day)`` only; ``end_date`` places their timestamps
    (sign-ups one to three years before it).
    """
    _check_inputs(1, orders_per_day, seed)
    end = _day_start(end_date)
    return {
        "customers": _dimension_customers(_rng(seed, orders_per_day, _CUSTOMERS), orders_per_day, end),
        "products": _dimension_products(_rng(seed, orders_per_day, _PRODUCTS), orders_per_day, end),
    }


def generate_day(
    day: date, orders_per_day: int, seed: int, dims: Mapping[str, pa.Table], season: Season | None = None
) -> dict[str, pa.Table]:
    """Silver rows of one business day: orders, order_items, events and the day's sign-ups.

    ``customers`` holds the customers who sign up on ``day`` (active on it, so the gold
    ``is_new_customer`` flag has cases every day); append it to ``silver.customers``.
    ``season`` scales the day's orders by its weekday and injects its incident, if any.
    """
    _check_inputs(1, orders_per_day, seed)
    season = season or Season()
    dims_view = _DimsView.of(dims)
    ctx = _DayContext.build(day, orders_per_day, seed, dims_view, season.orders_on(day, orders_per_day))
    events, session_customers = _events(ctx.rng(_EVENTS), ctx)
    orders, facts = _orders(ctx.rng(_ORDERS), ctx, session_customers)
    items = _items(ctx.rng(_ITEMS), ctx, facts)
    apply_to_items(season.incidents.get(day), ctx.rng(_INCIDENTS), items)
    signups = _signups(ctx.rng(_SIGNUPS), ctx, orders, events)
    return {
        "orders": _orders_table(ctx, orders),
        "order_items": _items_table(ctx, items),
        "events": _events_table(ctx, events),
        "customers": _customers_table(signups, f"C{ctx.tag}-", 5),
    }


def _check_positive(what: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise GoldpipeError(f"{what} must be at least {minimum}, got {value}")


def _check_inputs(days: int, orders_per_day: int, seed: int) -> None:
    _check_positive("days", days, 1)
    # Below this the forced dirt rows would crowd out the clean orders they need.
    _check_positive("orders_per_day", orders_per_day, MIN_ORDERS_PER_DAY)
    _check_positive("seed", seed, 0)
