"""Shared types and constants of the generator: time units, random streams, the value
vocabularies (statuses, event types, countries, categories, ...) and their weights."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from goldpipe.core import contract as ct

Arr = npt.NDArray[Any]
Cols = dict[str, Arr]

MIN_ORDERS_PER_DAY: Final = 10
# The null of an integer or money column while it is still a numpy array.
NULL: Final = int(np.iinfo(np.int64).min)

SECOND: Final = 1_000_000
MINUTE: Final = 60 * SECOND
HOUR: Final = 60 * MINUTE
DAY: Final = 24 * HOUR
EPOCH: Final = date(1970, 1, 1)

# Independent random streams, so that a change in how one table is generated does not
# reshuffle the others.
CUSTOMERS_STREAM: Final = 1
PRODUCTS_STREAM: Final = 2
POPULARITY_STREAM: Final = 3
ORDERS_STREAM: Final = 4
ITEMS_STREAM: Final = 5
EVENTS_STREAM: Final = 6
SIGNUPS_STREAM: Final = 7
INCIDENTS_STREAM: Final = 8

BAD_STATUSES: Final = ("PAID", "refunded", "in_transit", "")
STATUS_DICT: Final = (*ct.ORDER_STATUSES, *BAD_STATUSES)
STATUS_CODES: Final = {s: i for i, s in enumerate(ct.ORDER_STATUSES)}
# Statuses in lifecycle order; a status's earlier versions walk this path up to it.
LIFECYCLE: Final = np.array([STATUS_CODES[s] for s in ("placed", "paid", "shipped", "delivered", "returned")])
STATUS_WEIGHTS: Final = (0.08, 0.12, 0.20, 0.52, 0.05, 0.03)
CHANNEL_WEIGHTS: Final = (0.50, 0.35, 0.15)

BAD_EVENT_TYPES: Final = ("click", "PAGE_VIEW", "scroll", "")
EVENT_DICT: Final = (*ct.EVENT_TYPES, *BAD_EVENT_TYPES)
EVENT_CODES: Final = {e: i for i, e in enumerate(ct.EVENT_TYPES)}
PRODUCT_EVENT_CODES: Final = np.array([EVENT_CODES[e] for e in ct.PRODUCT_EVENT_TYPES])
# After the landing page: browse a lot, add some, buy few.
EVENT_WEIGHTS: Final = (0.28, 0.40, 0.14, 0.05, 0.07, 0.06)

DEVICES: Final = ("mobile", "desktop", "tablet")
DEVICE_WEIGHTS: Final = (0.55, 0.37, 0.08)
COUNTRIES: Final = (
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
COUNTRY_WEIGHTS: Final = (35, 10, 10, 8, 6, 4, 4, 4, 3, 3, 4, 4, 2, 1, 1, 1)
SEGMENT_WEIGHTS: Final = (0.80, 0.15, 0.05)
CATEGORIES: Final = (
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
CATEGORY_WEIGHTS: Final = (18, 14, 6, 8, 10, 16, 9, 8, 7, 4)
NOUNS: Final = (
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
BRANDS: Final = (
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
HOUR_WEIGHTS: Final = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 8, 8, 7, 7, 8, 9, 10, 10, 9, 7, 5, 3)
ITEMS_PER_ORDER_WEIGHTS: Final = (0.25, 0.30, 0.20, 0.15, 0.10)
UNKNOWN_CUSTOMERS: Final = 50
UNKNOWN_PRODUCTS: Final = 20
REDELIVERY_RATE: Final = 0.01
