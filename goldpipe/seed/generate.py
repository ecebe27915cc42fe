"""Pure generation (Arrow tables, no catalog): the dimensions and one day, and input checks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pyarrow as pa

from goldpipe.core.errors import GoldpipeError
from goldpipe.seed.arrow import customers_table
from goldpipe.seed.columns import day_start, random_stream
from goldpipe.seed.constants import (
    CUSTOMERS_STREAM,
    EVENTS_STREAM,
    INCIDENTS_STREAM,
    ITEMS_STREAM,
    MIN_ORDERS_PER_DAY,
    ORDERS_STREAM,
    PRODUCTS_STREAM,
    SIGNUPS_STREAM,
)
from goldpipe.seed.day import DayContext, day_signups, events_table, items_table, orders_table
from goldpipe.seed.dimensions import DimsView, dimension_customers, dimension_products
from goldpipe.seed.events import day_events
from goldpipe.seed.items import day_items
from goldpipe.seed.orders import day_orders
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
    check_inputs(1, orders_per_day, seed)
    end = day_start(end_date)
    return {
        "customers": dimension_customers(
            random_stream(seed, orders_per_day, CUSTOMERS_STREAM), orders_per_day, end
        ),
        "products": dimension_products(
            random_stream(seed, orders_per_day, PRODUCTS_STREAM), orders_per_day, end
        ),
    }


def generate_day(
    day: date, orders_per_day: int, seed: int, dims: Mapping[str, pa.Table], season: Season | None = None
) -> dict[str, pa.Table]:
    """Silver rows of one business day: orders, order_items, events and the day's sign-ups.

    ``customers`` holds the customers who sign up on ``day`` (active on it, so the gold
    ``is_new_customer`` flag has cases every day); append it to ``silver.customers``.
    ``season`` scales the day's orders by its weekday and injects its incident, if any.
    """
    check_inputs(1, orders_per_day, seed)
    season = season or Season()
    dims_view = DimsView.of(dims)
    ctx = DayContext.build(day, orders_per_day, seed, dims_view, season.orders_on(day, orders_per_day))
    events, session_customers = day_events(ctx.rng(EVENTS_STREAM), ctx)
    orders, facts = day_orders(ctx.rng(ORDERS_STREAM), ctx, session_customers)
    items = day_items(ctx.rng(ITEMS_STREAM), ctx, facts)
    apply_to_items(season.incidents.get(day), ctx.rng(INCIDENTS_STREAM), items)
    signups = day_signups(ctx.rng(SIGNUPS_STREAM), ctx, orders, events)
    return {
        "orders": orders_table(ctx, orders),
        "order_items": items_table(ctx, items),
        "events": events_table(ctx, events),
        "customers": customers_table(signups, f"C{ctx.tag}-", 5),
    }


def _check_positive(what: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise GoldpipeError(f"{what} must be at least {minimum}, got {value}")


def check_inputs(days: int, orders_per_day: int, seed: int) -> None:
    _check_positive("days", days, 1)
    # Below this the forced dirt rows would crowd out the clean orders they need.
    _check_positive("orders_per_day", orders_per_day, MIN_ORDERS_PER_DAY)
    _check_positive("seed", seed, 0)
