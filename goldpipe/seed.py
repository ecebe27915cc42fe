"""Deterministic synthetic silver data: ``goldpipe seed``.

Generation is pure (``generate_dimensions``, ``generate_day`` return Arrow tables); only
``seed_silver`` touches a catalog. Every random draw comes from a numpy ``PCG64`` stream
keyed by ``(seed, orders_per_day, day, stream)``, never by the number of days or the end
date, so day D is byte-for-byte the same whether it is seeded alone or as the last of 30
days (the benchmark compares such runs). The end date only moves the dimensions'
timestamps (sign-ups, ingestion), never a value a day reads from them.

Scale, for ``N = orders_per_day`` (at least 10):

- orders: exactly N order ids per day (about 1.25N rows with versions and redeliveries);
- items: 1-5 lines per order (mean 2.55) plus 22 forced lines a day on valid orders (so at
  small scale a few orders have more); unit prices half at the product's current list
  price, half within about 3 % of it;
- events: 2N sessions of 2 + Poisson(3) events each, so about 10N events;
- customers: a pool of ``max(200, 2N)``, plus ``max(1, N // 100)`` sign-ups on each day
  (returned by ``generate_day`` as ``customers``, appended to ``silver.customers``);
- products: a pool of ``max(100, N // 20)`` with Zipf-like popularity.

Dirt (contract rules in DATA_CONTRACT.md). A rate is the share of rows drawn at random; on
top of that every kind below is forced onto at least one row of every day (dimension
kinds: of the dimensions), on rows chosen so that the rejection rules' precedence cannot
hide it. At small scale the forced rows dominate, at 100k orders/day the rates do.

===========  ===================================================================  =============
table        dirt                                                                 rate
===========  ===================================================================  =============
orders       ``missing_customer`` (null customer_id)                              0.4 %
orders       ``bad_status``: null / unknown string (``PAID``, ``refunded``, ...)  0.2 % each
orders       both at once (counted as ``missing_customer``)                       0.1 %
orders       a later version fixes a null customer / breaks the status            0.3 % each
orders       status history (placed -> paid -> shipped -> ...)                    15 % of valid
orders       cancelled / returned (valid statuses)                                5 % / 3 %
orders       unknown customer id (``CX00000``-``CX00049``) / null channel         1 % / 0.5 %
order_items  ``orphan_item``: an order id no order has (and every item            0.3 %
             of an invalid current order)
order_items  ``missing_product``                                                  0.3 %
order_items  ``bad_quantity``: null / 0 / negative                                0.1 % each
order_items  ``bad_price``: null / negative                                       0.1 % each
order_items  ``bad_discount``: negative / above quantity * unit_price             0.1 % each
order_items  two rules at once: product+quantity, quantity+price,                 0.05 % each
             orphan+price
order_items  a later version fixes a null price / zeroes the quantity             0.2 % each
order_items  quantity correction (valid -> valid)                                 1.5 %
order_items  unknown product id (``PX00000``-``PX00019``)                         1 %
order_items  discount null / zero / 2-25 % of the line                            75/5/20 %
events       ``bad_event_type``: null / unknown string (``click``, ...)           0.2 % each
events       ``missing_product`` (product event type, null product_id)            0.3 %
events       a later version fixes a null type / drops the product                0.1 % each
events       unknown product id / null session_id                                 1 % / 0.1 %
sessions     anonymous (null customer_id) / unknown customer id                   43 % / 2 %
day tables   redelivery (same content, later ``ingested_at``)                     1 %
customers    null signup_ts / email / country / segment                           3/2/1/0.5 %
customers    segment change (2 versions) / redelivery                             5 % / 2 %
products     null category / null brand                                           3 % / 2 %
products     category change / list price change / redelivery                     8/5/2 %
===========  ===================================================================  =============

Forced every day besides: an order and an event at 00:00:00.000000 and at
23:59:59.999999 UTC, a cancelled order with items, a returned order, sign-ups active on
their sign-up day, sessions of a customer without ``signup_ts`` and of one whose segment
changed, items of a product without category and of one whose category changed.

Versions of one key are ingested at least 60 s apart and a redelivery lands less than half
that gap after its original, so ``ingested_at`` never repeats within a key and the last
version stays the current one; every ``ingested_at`` is at or after the row's business
timestamp. Ids carry the day (``O20240115-0000042``), so keys never collide across days.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from goldpipe import contract as ct
from goldpipe.errors import GoldpipeError
from goldpipe.iceberg_schema import arrow_schema, create_table

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

Arr = npt.NDArray[Any]
Cols = dict[str, Arr]
_Role = TypeVar("_Role", bound=IntEnum)

MIN_ORDERS_PER_DAY: Final = 10
# The null of an integer or money column while it is still a numpy array.
NULL: Final = int(np.iinfo(np.int64).min)

_SECOND: Final = 1_000_000
_MINUTE: Final = 60 * _SECOND
_HOUR: Final = 60 * _MINUTE
_DAY: Final = 24 * _HOUR
_EPOCH: Final = date(1970, 1, 1)

# Independent random streams, so that a change in how one table is generated does not
# reshuffle the others.
_CUSTOMERS, _PRODUCTS, _POPULARITY, _ORDERS, _ITEMS, _EVENTS, _SIGNUPS = range(1, 8)

_BAD_STATUSES: Final = ("PAID", "refunded", "in_transit", "")
_STATUS_DICT: Final = (*ct.ORDER_STATUSES, *_BAD_STATUSES)
_ST = {s: i for i, s in enumerate(ct.ORDER_STATUSES)}
# Statuses in lifecycle order; a status's earlier versions walk this path up to it.
_LIFECYCLE: Final = np.array([_ST[s] for s in ("placed", "paid", "shipped", "delivered", "returned")])
_STATUS_WEIGHTS: Final = (0.08, 0.12, 0.20, 0.52, 0.05, 0.03)
_CHANNEL_WEIGHTS: Final = (0.50, 0.35, 0.15)

_BAD_EVENT_TYPES: Final = ("click", "PAGE_VIEW", "scroll", "")
_EVENT_DICT: Final = (*ct.EVENT_TYPES, *_BAD_EVENT_TYPES)
_EV = {e: i for i, e in enumerate(ct.EVENT_TYPES)}
_PRODUCT_EVENT_CODES: Final = np.array([_EV[e] for e in ct.PRODUCT_EVENT_TYPES])
# After the landing page: browse a lot, add some, buy few.
_EVENT_WEIGHTS: Final = (0.28, 0.40, 0.14, 0.05, 0.07, 0.06)

_DEVICES: Final = ("mobile", "desktop", "tablet")
_DEVICE_WEIGHTS: Final = (0.55, 0.37, 0.08)
_COUNTRIES: Final = (
    "US",
    "GB",
    "DE",
    "FR",
    "CA",
    "NL",
    "ES",
    "IT",
    "PL",
    "SE",
    "AU",
    "JP",
    "BR",
    "IN",
    "MX",
    "IE",
)
_COUNTRY_WEIGHTS: Final = (35, 10, 10, 8, 6, 4, 4, 4, 3, 3, 4, 4, 2, 1, 1, 1)
_SEGMENT_WEIGHTS: Final = (0.80, 0.15, 0.05)
_CATEGORIES: Final = (
    "electronics",
    "home",
    "garden",
    "toys",
    "books",
    "fashion",
    "beauty",
    "sports",
    "grocery",
    "automotive",
)
_CATEGORY_WEIGHTS: Final = (18, 14, 6, 8, 10, 16, 9, 8, 7, 4)
_NOUNS: Final = (
    ("Headphones", "Charger", "Speaker"),
    ("Lamp", "Blanket", "Kettle"),
    ("Hose", "Planter", "Shears"),
    ("Puzzle", "Robot", "Blocks"),
    ("Novel", "Cookbook", "Atlas"),
    ("Jacket", "Sneakers", "Scarf"),
    ("Serum", "Lipstick", "Shampoo"),
    ("Yoga Mat", "Racket", "Bottle"),
    ("Coffee", "Olive Oil", "Tea"),
    ("Wiper", "Car Mat", "Jump Starter"),
)
_BRANDS: Final = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wonka",
    "Hooli",
    "Vandelay",
    "Tyrell",
    "Aperture",
    "Oscorp",
    "Pied Piper",
)
# Orders and sessions by UTC hour: quiet nights, busy evenings.
_HOUR_WEIGHTS: Final = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 8, 8, 7, 7, 8, 9, 10, 10, 9, 7, 5, 3)
_ITEMS_PER_ORDER_WEIGHTS: Final = (0.25, 0.30, 0.20, 0.15, 0.10)
_UNKNOWN_CUSTOMERS: Final = 50
_UNKNOWN_PRODUCTS: Final = 20


class _OrderRole(IntEnum):
    CLEAN = 0
    MISSING_CUSTOMER = 1
    STATUS_NULL = 2
    STATUS_UNKNOWN = 3
    MISSING_CUSTOMER_AND_BAD_STATUS = 4
    FIX_LATER = 5
    BREAK_LATER = 6


_ORDER_RATES: Final = {
    _OrderRole.MISSING_CUSTOMER: 0.004,
    _OrderRole.STATUS_NULL: 0.002,
    _OrderRole.STATUS_UNKNOWN: 0.002,
    _OrderRole.MISSING_CUSTOMER_AND_BAD_STATUS: 0.001,
    _OrderRole.FIX_LATER: 0.003,
    _OrderRole.BREAK_LATER: 0.003,
}


class _ItemRole(IntEnum):
    CLEAN = 0
    ORPHAN = 1
    MISSING_PRODUCT = 2
    QUANTITY_NULL = 3
    QUANTITY_ZERO = 4
    QUANTITY_NEGATIVE = 5
    PRICE_NULL = 6
    PRICE_NEGATIVE = 7
    DISCOUNT_NEGATIVE = 8
    DISCOUNT_ABOVE_GROSS = 9
    MISSING_PRODUCT_AND_BAD_QUANTITY = 10
    BAD_QUANTITY_AND_BAD_PRICE = 11
    ORPHAN_AND_BAD_PRICE = 12
    FIX_LATER = 13
    BREAK_LATER = 14
    QUANTITY_CORRECTION = 15
    # Valid rows, forced only: random draws produce them at their own rates.
    UNKNOWN_PRODUCT = 16
    NULL_CATEGORY_PRODUCT = 17
    CHANGED_CATEGORY_PRODUCT = 18
    REDELIVERED = 19
    NULL_DISCOUNT = 20
    DISCOUNTED = 21


_ITEM_RATES: Final = {
    _ItemRole.ORPHAN: 0.003,
    _ItemRole.MISSING_PRODUCT: 0.003,
    _ItemRole.QUANTITY_NULL: 0.001,
    _ItemRole.QUANTITY_ZERO: 0.001,
    _ItemRole.QUANTITY_NEGATIVE: 0.001,
    _ItemRole.PRICE_NULL: 0.001,
    _ItemRole.PRICE_NEGATIVE: 0.001,
    _ItemRole.DISCOUNT_NEGATIVE: 0.001,
    _ItemRole.DISCOUNT_ABOVE_GROSS: 0.001,
    _ItemRole.MISSING_PRODUCT_AND_BAD_QUANTITY: 0.0005,
    _ItemRole.BAD_QUANTITY_AND_BAD_PRICE: 0.0005,
    _ItemRole.ORPHAN_AND_BAD_PRICE: 0.0005,
    _ItemRole.FIX_LATER: 0.002,
    _ItemRole.BREAK_LATER: 0.002,
    _ItemRole.QUANTITY_CORRECTION: 0.015,
}


class _EventRole(IntEnum):
    CLEAN = 0
    TYPE_NULL = 1
    TYPE_UNKNOWN = 2
    MISSING_PRODUCT = 3
    FIX_LATER = 4
    BREAK_LATER = 5
    NULL_SESSION = 6
    UNKNOWN_PRODUCT_VIEW = 7
    NULL_CATEGORY_PRODUCT_VIEW = 8


_EVENT_RATES: Final = {
    _EventRole.TYPE_NULL: 0.002,
    _EventRole.TYPE_UNKNOWN: 0.002,
    _EventRole.MISSING_PRODUCT: 0.003,
    _EventRole.FIX_LATER: 0.001,
    _EventRole.BREAK_LATER: 0.001,
    _EventRole.NULL_SESSION: 0.001,
    # Unknown products also come from the 1 % draw of every product event.
    _EventRole.UNKNOWN_PRODUCT_VIEW: 0.0,
    _EventRole.NULL_CATEGORY_PRODUCT_VIEW: 0.0,
}

_REDELIVERY_RATE: Final = 0.01


@dataclass(frozen=True)
class SeedSummary:
    """What ``seed_silver`` wrote."""

    first_day: date
    last_day: date
    orders_per_day: int
    seed: int
    rows: dict[str, int]
    seconds: float

    def describe(self) -> str:
        counts = ", ".join(f"{name} {n:,}" for name, n in self.rows.items())
        return (
            f"seeded silver {self.first_day}..{self.last_day} "
            f"({self.orders_per_day:,} orders/day, seed {self.seed}) in {self.seconds:.1f}s: {counts}"
        )


# --- public API ---------------------------------------------------------------------------


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
    day: date, orders_per_day: int, seed: int, dims: Mapping[str, pa.Table]
) -> dict[str, pa.Table]:
    """Silver rows of one business day: orders, order_items, events and the day's sign-ups.

    ``customers`` holds the customers who sign up on ``day`` (active on it, so the gold
    ``is_new_customer`` flag has cases every day); append it to ``silver.customers``.
    """
    _check_inputs(1, orders_per_day, seed)
    ctx = _DayContext.build(day, orders_per_day, seed, _DimsView.of(dims))
    events, session_customers = _events(ctx.rng(_EVENTS), ctx)
    orders, facts = _orders(ctx.rng(_ORDERS), ctx, session_customers)
    items = _items(ctx.rng(_ITEMS), ctx, facts)
    signups = _signups(ctx.rng(_SIGNUPS), ctx, orders, events)
    return {
        "orders": _orders_table(ctx, orders),
        "order_items": _items_table(ctx, items),
        "events": _events_table(ctx, events),
        "customers": _customers_table(signups, f"C{ctx.tag}-", 5),
    }


def seed_silver(
    catalog: Catalog,
    *,
    days: int,
    end_date: date,
    orders_per_day: int,
    seed: int,
    replace: bool,
    progress: Callable[[str], None] = lambda _line: None,
) -> SeedSummary:
    """Create the five silver tables and fill them with ``days`` days ending ``end_date``.

    Refuses (``GoldpipeError``, nothing touched) when a silver table exists, unless
    ``replace``: then only the contract's silver tables are dropped and recreated.
    """
    _check_inputs(days, orders_per_day, seed)
    started = time.monotonic()
    existing = [t.identifier for t in ct.SILVER_TABLES.values() if catalog.table_exists(t.identifier)]
    if existing and not replace:
        raise GoldpipeError(
            f"silver table(s) already exist: {', '.join(existing)}; "
            "rerun with --replace to drop and reseed them (other namespaces are never touched)"
        )
    dims = generate_dimensions(seed, orders_per_day, end_date)
    for identifier in existing:
        catalog.purge_table(identifier)
        progress(f"dropped {identifier}")
    tables = {name: create_table(catalog, contract) for name, contract in ct.SILVER_TABLES.items()}
    rows = dict.fromkeys(ct.SILVER_TABLES, 0)

    def write(label: str, name: str, data: pa.Table) -> None:
        tables[name].append(data)
        rows[name] += data.num_rows
        progress(f"{label} {name}: {data.num_rows:,} rows")

    for name, data in dims.items():
        write("dimensions", name, data)
    span = day_range(days, end_date)
    for day in span:
        for name, data in generate_day(day, orders_per_day, seed, dims).items():
            write(day.isoformat(), name, data)
    return SeedSummary(span[0], span[-1], orders_per_day, seed, rows, time.monotonic() - started)


# --- validation and small helpers ---------------------------------------------------------


def _check_positive(what: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise GoldpipeError(f"{what} must be at least {minimum}, got {value}")


def _check_inputs(days: int, orders_per_day: int, seed: int) -> None:
    _check_positive("days", days, 1)
    # Below this the forced dirt rows would crowd out the clean orders they need.
    _check_positive("orders_per_day", orders_per_day, MIN_ORDERS_PER_DAY)
    _check_positive("seed", seed, 0)


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))


def _day_start(day: date) -> int:
    return (day - _EPOCH).days * _DAY


def _take(cols: Cols, idx: Arr) -> Cols:
    return {k: v[idx] for k, v in cols.items()}


def _concat(*parts: Cols) -> Cols:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _pick(rng: np.random.Generator, n: int, weights: Sequence[float], null_rate: float = 0.0) -> Arr:
    """Codes drawn with ``weights``; ``-1`` (null) at ``null_rate``."""
    p = np.asarray(weights, dtype=np.float64)
    codes = rng.choice(p.size, size=n, p=p / p.sum()).astype(np.int64)
    if null_rate:
        codes[rng.random(n) < null_rate] = -1
    return codes


def _times_of_day(rng: np.random.Generator, start: int, n: int) -> Arr:
    hours = _pick(rng, n, _HOUR_WEIGHTS)
    return start + hours * _HOUR + rng.integers(0, _HOUR, n)


def _delays(rng: np.random.Generator, n: int, median_s: float, cap: int) -> Arr:
    """Ingestion lag: mostly seconds, a long tail up to ``cap``."""
    lag = rng.lognormal(np.log(median_s * _SECOND), 1.5, n)
    return np.minimum(lag, cap).astype(np.int64)


def _assign_roles(
    rng: np.random.Generator, eligible: Arr, n: int, rates: Mapping[_Role, float], reserve_clean: int
) -> tuple[Arr, Arr]:
    """A role per row (0 = clean) and the clean rows, in random order.

    Each role lands on at least one eligible row whatever the scale; then ``reserve_clean``
    eligible rows stay clean (the caller forces features on them); the rest draw a role
    at its rate.
    """
    pool = rng.permutation(eligible)
    ids = np.array(list(rates), dtype=np.int64)
    if pool.size < ids.size + reserve_clean:
        raise ValueError(f"{pool.size} rows cannot hold {ids.size} roles and {reserve_clean} clean rows")
    roles = np.zeros(n, dtype=np.int64)
    roles[pool[: ids.size]] = ids
    rest = pool[ids.size + reserve_clean :]
    p = np.array(list(rates.values()), dtype=np.float64)
    drawn = np.concatenate([[0], ids])[rng.choice(ids.size + 1, size=rest.size, p=[1 - p.sum(), *p])]
    roles[rest] = drawn
    clean = np.concatenate([pool[ids.size : ids.size + reserve_clean], rest[drawn == 0]])
    return roles, clean


def _versions(final: Cols, n_prev: Arr, ing0: Arr, gap: Arr) -> tuple[Cols, Cols, Arr]:
    """Current rows plus ``n_prev[i]`` earlier copies of row i, each ingested ``gap[i]`` apart.

    Returns (current, earlier, source row of each earlier copy); the caller edits the
    earlier copies' content.
    """
    src = np.repeat(np.arange(n_prev.size), n_prev)
    first = np.cumsum(n_prev) - n_prev
    version = np.arange(src.size) - first[src]
    prev = _take(final, src)
    prev["ingested_at"] = ing0[src] + version * gap[src]
    prev["_gap"] = gap[src]
    cur = dict(final)
    cur["ingested_at"] = ing0 + n_prev * gap
    cur["_gap"] = gap
    return cur, prev, src


def _redeliver(rng: np.random.Generator, rows: Cols, forced: Arr) -> Cols:
    """Append exact copies of some rows, in arrival order.

    A copy arrives less than half its key's version gap after the original, so it never
    ties with or overtakes the next version.
    """
    mask = rng.random(rows["ingested_at"].size) < _REDELIVERY_RATE
    mask[forced] = True
    dup = _take(rows, np.flatnonzero(mask))
    dup["ingested_at"] = dup["ingested_at"] + rng.integers(1, np.maximum(dup["_gap"] // 2, 2))
    out = _concat(rows, dup)
    return _take(out, np.argsort(out["ingested_at"], kind="stable"))


# --- dimensions ---------------------------------------------------------------------------


def _customer_attributes(rng: np.random.Generator, n: int) -> Cols:
    return {
        "has_email": (rng.random(n) >= 0.02).astype(np.int64),
        "country": _pick(rng, n, _COUNTRY_WEIGHTS, null_rate=0.01),
        "segment": _pick(rng, n, _SEGMENT_WEIGHTS, null_rate=0.005),
    }


def _dimension_customers(rng: np.random.Generator, orders_per_day: int, end: int) -> pa.Table:
    n = max(200, 2 * orders_per_day)
    cols = {"num": np.arange(n), **_customer_attributes(rng, n)}
    cols["signup"] = end - rng.integers(365 * _DAY, 3 * 365 * _DAY, n)
    null_signup, changed, redelivered = _flags(rng, n, (0.03, 0.05, 0.02))
    cols["signup"][null_signup] = NULL
    # A customer without sign-up time was still ingested at some point before the end date.
    known = np.where(null_signup, end - rng.integers(365 * _DAY, 3 * 365 * _DAY, n), cols["signup"])
    ing0 = known + _delays(rng, n, 60, _DAY)
    cur, prev, _ = _versions(cols, changed.astype(np.int64), ing0, rng.integers(_DAY, 120 * _DAY, n))
    # The earlier version had another segment: the customer moved up (or down) since.
    prev["segment"] = np.where(prev["segment"] < 0, 0, (prev["segment"] + 1) % len(ct.SEGMENTS))
    rows = _concat(cur, prev)
    return _customers_table(_redeliver(rng, rows, np.flatnonzero(redelivered)), "C", 7)


def _dimension_products(rng: np.random.Generator, orders_per_day: int, end: int) -> pa.Table:
    n = max(100, orders_per_day // 20)
    category = _pick(rng, n, _CATEGORY_WEIGHTS)
    cents = np.clip(rng.lognormal(np.log(2500), 0.9, n), 99, 299_999).astype(np.int64)
    cents = np.where(rng.random(n) < 0.6, cents // 100 * 100 + 99, cents)
    cols = {
        "num": np.arange(n),
        "noun": category * 3 + rng.integers(0, 3, n),
        "model": rng.integers(100, 1000, n),
        "brand": _pick(rng, n, [1.0] * len(_BRANDS), null_rate=0.02),
        "category": category,
        "price": cents,
    }
    null_category, recategorised, repriced, redelivered = _flags(rng, n, (0.03, 0.08, 0.05, 0.02))
    cols["category"] = np.where(null_category, -1, category)
    ing0 = end - 400 * _DAY + rng.integers(0, 30 * _DAY, n)
    n_prev = (recategorised | repriced).astype(np.int64)
    cur, prev, src = _versions(cols, n_prev, ing0, rng.integers(_DAY, 60 * _DAY, n))
    moved = recategorised[src]
    prev["category"] = np.where(moved, (category[src] + 1) % len(_CATEGORIES), prev["category"])
    prev["price"] = np.where(repriced[src], prev["price"] * 11 // 10, prev["price"])
    rows = _concat(cur, prev)
    return _products_table(_redeliver(rng, rows, np.flatnonzero(redelivered)))


def _flags(rng: np.random.Generator, n: int, rates: Sequence[float]) -> list[Arr]:
    """Independent boolean flags at ``rates``; flag k is forced on for row k."""
    flags = []
    for k, rate in enumerate(rates):
        flag = rng.random(n) < rate
        flag[k] = True
        flags.append(flag)
    return flags


@dataclass(frozen=True)
class _DimsView:
    """What a day needs from the dimensions, read from their current versions."""

    customer_ids: pa.Array
    product_ids: pa.Array
    list_price: Arr  # cents, NULL when unknown; aligned with product_ids
    null_signup_customers: Arr  # indices into customer_ids
    changed_customers: Arr
    null_category_products: Arr  # indices into product_ids
    changed_products: Arr

    @classmethod
    def of(cls, dims: Mapping[str, pa.Table]) -> _DimsView:
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


# --- one day ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DayContext:
    day: date
    n: int
    seed: int
    dims: _DimsView
    start: int  # 00:00:00.000000 of the day, microseconds since the epoch
    tag: str  # the day in ids
    n_signups: int
    popularity: Arr  # product draw probabilities

    @classmethod
    def build(cls, day: date, n: int, seed: int, dims: _DimsView) -> _DayContext:
        ranks = _rng(seed, n, _POPULARITY).permutation(len(dims.product_ids))
        weights = 1.0 / (ranks + 5.0)
        return cls(
            day=day,
            n=n,
            seed=seed,
            dims=dims,
            start=_day_start(day),
            tag=day.strftime("%Y%m%d"),
            n_signups=max(1, n // 100),
            popularity=weights / weights.sum(),
        )

    @property
    def last(self) -> int:
        """23:59:59.999999 of the day."""
        return self.start + _DAY - 1

    def rng(self, stream: int) -> np.random.Generator:
        return _rng(self.seed, self.n, self.day.toordinal(), stream)

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


@dataclass(frozen=True)
class _OrderFacts:
    """Per order id: what its items copy or need."""

    ts: Arr
    ingested: Arr  # first ingestion; the items arrive with it
    good: Arr  # valid current orders that are not cancelled: where forced item dirt goes
    cancelled: int  # a valid cancelled order


def _orders(rng: np.random.Generator, ctx: _DayContext, session_customers: Arr) -> tuple[Cols, _OrderFacts]:
    """The day's orders, all versions and redeliveries, in arrival order."""
    n = ctx.n
    cols: Cols = {
        "oid": np.arange(n),
        "customer": _order_customers(rng, ctx, session_customers),
        "ts": _times_of_day(rng, ctx.start, n),
        "status": _pick(rng, n, _STATUS_WEIGHTS),
        "channel": _pick(rng, n, _CHANNEL_WEIGHTS, null_rate=0.005),
    }
    roles, clean = _assign_roles(rng, np.arange(n), n, _ORDER_RATES, reserve_clean=3)
    valid_status = cols["status"].copy()
    _apply_order_roles(rng, cols, roles)
    # Forced features on clean orders: the day's edges, the statuses gold must not count or
    # must count, a sign-up's order, an unknown customer, a full status history.
    cancelled, returned, delivered = clean[0], clean[1], clean[2]
    cols["status"][[cancelled, returned, delivered]] = [_ST["cancelled"], _ST["returned"], _ST["delivered"]]
    cols["ts"][[cancelled, returned]] = [ctx.start, ctx.last]
    cols["customer"][[cancelled, delivered]] = [ctx.unknown_customer, ctx.first_signup]
    n_prev = _status_history(rng, cols["status"], roles, delivered)
    ing0 = cols["ts"] + _delays(rng, n, 30, 2 * _HOUR)
    cur, prev, src = _versions(cols, n_prev, ing0, rng.integers(5 * _MINUTE, 12 * _HOUR, n))
    first = np.cumsum(n_prev) - n_prev
    version = np.arange(src.size) - first[src]
    walk = _LIFECYCLE[np.maximum(_lifecycle_position(cur["status"][src]) - n_prev[src] + version, 0)]
    prev["status"] = np.where(roles[src] == _OrderRole.CLEAN, walk, prev["status"])
    prev["status"] = np.where(roles[src] == _OrderRole.BREAK_LATER, valid_status[src], prev["status"])
    prev["customer"] = np.where(roles[src] == _OrderRole.FIX_LATER, -1, prev["customer"])
    candidates = np.concatenate([clean, np.flatnonzero(roles == _OrderRole.FIX_LATER)])
    good = np.sort(candidates[cols["status"][candidates] != _ST["cancelled"]])
    rows = _redeliver(rng, _concat(cur, prev), np.array([returned]))
    return rows, _OrderFacts(ts=cols["ts"], ingested=ing0, good=good, cancelled=int(cancelled))


def _order_customers(rng: np.random.Generator, ctx: _DayContext, session_customers: Arr) -> Arr:
    """Most buyers browsed today; some order without a tracked session."""
    n = ctx.n
    logged_in = session_customers[session_customers >= 0]
    u = rng.random(n)
    customer = np.where(
        u < 0.6, logged_in[rng.integers(0, logged_in.size, n)], rng.integers(0, ctx.unknown_customer, n)
    )
    return np.where(u > 0.99, ctx.unknown_customer + rng.integers(0, _UNKNOWN_CUSTOMERS, n), customer)


def _apply_order_roles(rng: np.random.Generator, cols: Cols, roles: Arr) -> None:
    def bad_statuses(k: int) -> Arr:
        return len(ct.ORDER_STATUSES) + rng.integers(0, len(_BAD_STATUSES), k)

    both = roles == _OrderRole.MISSING_CUSTOMER_AND_BAD_STATUS
    cols["customer"][(roles == _OrderRole.MISSING_CUSTOMER) | both] = -1
    cols["status"][roles == _OrderRole.STATUS_NULL] = -1
    unknown = (roles == _OrderRole.STATUS_UNKNOWN) | both | (roles == _OrderRole.BREAK_LATER)
    cols["status"][unknown] = bad_statuses(int(unknown.sum()))


def _lifecycle_position(status: Arr) -> Arr:
    """Index in ``_LIFECYCLE``; a cancellation comes right after ``placed``."""
    lookup = np.zeros(len(_STATUS_DICT), dtype=np.int64)
    lookup[_LIFECYCLE] = np.arange(_LIFECYCLE.size)
    lookup[_ST["cancelled"]] = 1
    return lookup[status]


def _status_history(rng: np.random.Generator, status: Arr, roles: Arr, forced: int) -> Arr:
    """How many earlier versions each order has: 15 % of clean orders walk (part of) their
    lifecycle; FIX_LATER and BREAK_LATER orders have exactly one."""
    valid = status >= 0
    position = np.where(valid, _lifecycle_position(np.maximum(status, 0)), 0)
    walks = (roles == _OrderRole.CLEAN) & (position > 0) & (rng.random(status.size) < 0.15)
    n_prev = np.where(walks, rng.integers(1, np.maximum(position, 1) + 1), 0)
    n_prev[forced] = position[forced]
    n_prev[np.isin(roles, [_OrderRole.FIX_LATER, _OrderRole.BREAK_LATER])] = 1
    return n_prev.astype(np.int64)


_FORCED_ITEM_ROLES: Final = tuple(r for r in _ItemRole if r != _ItemRole.CLEAN)


def _items(rng: np.random.Generator, ctx: _DayContext, facts: _OrderFacts) -> Cols:
    """The day's order items, all versions and redeliveries, in arrival order."""
    n = ctx.n
    counts = 1 + _pick(rng, n, _ITEMS_PER_ORDER_WEIGHTS)
    order = np.repeat(np.arange(n), counts)
    line = np.arange(order.size) - (np.cumsum(counts) - counts)[order] + 1
    p = np.array(list(_ITEM_RATES.values()))
    codes = np.array([0, *_ITEM_RATES], dtype=np.int64)
    drawn = codes[rng.choice(codes.size, size=order.size, p=[1 - p.sum(), *p])]
    # Forced dirt goes on extra lines of good orders (valid, not cancelled), where no
    # earlier rule (orphan_item) can hide it and the valid kinds reach gold metrics.
    # A last clean line on the forced cancelled order: valid items that count for nothing.
    slot = np.arange(len(_FORCED_ITEM_ROLES))
    extra = np.append(facts.good[slot % facts.good.size], facts.cancelled)
    order = np.concatenate([order, extra])
    line = np.concatenate([line, counts[extra] + np.append(slot // facts.good.size, 0) + 1])
    roles = np.concatenate([drawn, np.array([*_FORCED_ITEM_ROLES, _ItemRole.CLEAN], dtype=np.int64)])
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
    ing0 = facts.ingested[order] + rng.integers(0, 5 * _SECOND, m)
    later = [_ItemRole.FIX_LATER, _ItemRole.BREAK_LATER, _ItemRole.QUANTITY_CORRECTION]
    n_prev = np.isin(roles, later).astype(np.int64)
    cur, prev, src = _versions(cols, n_prev, ing0, rng.integers(5 * _MINUTE, 12 * _HOUR, m))
    role = roles[src]
    prev["unit"] = np.where(role == _ItemRole.FIX_LATER, NULL, prev["unit"])
    prev["quantity"] = np.where(role == _ItemRole.BREAK_LATER, kept_quantity[src], prev["quantity"])
    # A correction lowers the quantity: the first version over-counted.
    corrected = prev["quantity"] + rng.integers(1, 4, src.size)
    prev["quantity"] = np.where(role == _ItemRole.QUANTITY_CORRECTION, corrected, prev["quantity"])
    return _redeliver(rng, _concat(cur, prev), np.flatnonzero(roles == _ItemRole.REDELIVERED))


def _item_products(rng: np.random.Generator, ctx: _DayContext, roles: Arr) -> Arr:
    product = ctx.products(rng, roles.size)
    product[roles == _ItemRole.UNKNOWN_PRODUCT] = ctx.unknown_product
    for role, candidates in (
        (_ItemRole.NULL_CATEGORY_PRODUCT, ctx.dims.null_category_products),
        (_ItemRole.CHANGED_CATEGORY_PRODUCT, ctx.dims.changed_products),
    ):
        if candidates.size:
            product[roles == role] = candidates[0]
    return product


def _unit_prices(rng: np.random.Generator, ctx: _DayContext, product: Arr) -> Arr:
    """Half at list price, half within a few percent of it; unknown products get a price."""
    known = product < ctx.unknown_product
    listed = np.where(known, ctx.dims.list_price[np.where(known, product, 0)], NULL)
    guess = np.clip(rng.lognormal(np.log(2500), 0.9, product.size), 99, 299_999).astype(np.int64)
    listed = np.where(listed == NULL, guess, listed)
    jitter = np.rint(listed * (1 + rng.normal(0, 0.03, product.size))).astype(np.int64)
    return np.maximum(np.where(rng.random(product.size) < 0.5, listed, jitter), 1)


def _apply_item_roles(rng: np.random.Generator, cols: Cols, roles: Arr, n_orders: int) -> Arr:
    """Make each role's row dirty; return the quantity a later version zeroes (BREAK_LATER)."""
    r = _ItemRole

    def rows(*which: _ItemRole) -> Arr:
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


# --- numpy columns -> Arrow tables --------------------------------------------------------


def _table(contract: ct.TableContract, **columns: pa.Array) -> pa.Table:
    schema = arrow_schema(contract)
    return pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)


def _large(values: Sequence[str]) -> pa.Array:
    return pa.array(values, pa.large_string())


def _strings(codes: Arr, dictionary: pa.Array) -> pa.Array:
    return dictionary.take(pa.array(codes, mask=codes < 0))


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    """Element-wise concatenation; a null part makes the result null."""
    args = [pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in (*parts, sep)]
    return pc.binary_join_element_wise(*args)


def _ids(prefix: str, nums: Arr, width: int) -> pa.Array:
    """``prefix`` + zero-padded number; a negative number is null."""
    digits = pc.utf8_lpad(pc.cast(pa.array(nums, mask=nums < 0), pa.large_string()), width, padding="0")
    return _join(prefix, digits)


def _ints(values: Arr) -> pa.Array:
    null = values == NULL
    return pa.array(np.where(null, 0, values).astype(np.int32), mask=null)


def _ts(micros: Arr) -> pa.Array:
    null = micros == NULL
    return pa.array(np.where(null, 0, micros), pa.timestamp("us", tz="UTC"), mask=null)


def _money(cents: Arr) -> pa.Array:
    """Exact ``decimal(12,2)`` from integer cents: the 128-bit little-endian unscaled value."""
    valid = cents != NULL
    low = np.where(valid, cents, 0).astype(np.int64)
    words = np.column_stack([low, low >> 63])
    validity = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(12, 2), low.size, [validity, pa.py_buffer(np.ascontiguousarray(words))]
    )


def _customers_table(cols: Cols, prefix: str, width: int) -> pa.Table:
    ids = _ids(prefix, cols["num"], width)
    email = _join(pc.utf8_lower(ids), "@example.com")
    email = pc.if_else(pa.array(cols["has_email"] == 1), email, pa.scalar(None, pa.large_string()))
    return _table(
        ct.CUSTOMERS,
        customer_id=ids,
        email=email,
        country=_strings(cols["country"], _large(_COUNTRIES)),
        segment=_strings(cols["segment"], _large(ct.SEGMENTS)),
        signup_ts=_ts(cols["signup"]),
        ingested_at=_ts(cols["ingested_at"]),
    )


def _products_table(cols: Cols) -> pa.Table:
    brand = _strings(cols["brand"], _large(_BRANDS))
    nouns = _large([noun for group in _NOUNS for noun in group])
    model = pc.cast(pa.array(cols["model"]), pa.large_string())
    name = _join(pc.fill_null(brand, "Generic"), _strings(cols["noun"], nouns), model, sep=" ")
    return _table(
        ct.PRODUCTS,
        product_id=_ids("P", cols["num"], 6),
        name=name,
        category=_strings(cols["category"], _large(_CATEGORIES)),
        brand=brand,
        list_price=_money(cols["price"]),
        ingested_at=_ts(cols["ingested_at"]),
    )


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
