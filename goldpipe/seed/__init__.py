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

Dirt (contract rules in docs/data-contract.md). A rate is the share of rows drawn at random; on
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

A ``Season`` (``season``) scales each weekday's orders and visits (``--weekly-pattern``) and
injects incidents on chosen days (``--incident``: half the orders, prices in cents, a burst of
null unit prices); a day of factor 1 without an incident is unchanged by it.

Forced every day besides: an order and an event at 00:00:00.000000 and at
23:59:59.999999 UTC, a cancelled order with items, a returned order, sign-ups active on
their sign-up day, sessions of a customer without ``signup_ts`` and of one whose segment
changed, items of a product without category and of one whose category changed.

Versions of one key are ingested at least 60 s apart and a redelivery lands less than half
that gap after its original, so ``ingested_at`` never repeats within a key and the last
version stays the current one; every ``ingested_at`` is at or after the row's business
timestamp. Ids carry the day (``O20240115-0000042``), so keys never collide across days.
"""

from goldpipe.seed.constants import MIN_ORDERS_PER_DAY
from goldpipe.seed.generate import day_range, generate_day, generate_dimensions
from goldpipe.seed.season import INCIDENTS, Season, parse_incident, parse_weekly
from goldpipe.seed.writer import SeedSummary, seed_silver

__all__ = [
    "INCIDENTS",
    "MIN_ORDERS_PER_DAY",
    "Season",
    "SeedSummary",
    "day_range",
    "generate_day",
    "generate_dimensions",
    "parse_incident",
    "parse_weekly",
    "seed_silver",
]
