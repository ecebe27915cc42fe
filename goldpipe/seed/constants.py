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

_SECOND: Final = 1_000_000
_MINUTE: Final = 60 * _SECOND
_HOUR: Final = 60 * _MINUTE
_DAY: Final = 24 * _HOUR
_EPOCH: Final = date(1970, 1, 1)

# Independent random streams, so that a change in how one table is generated does not
# reshuffle the others.
_CUSTOMERS, _PRODUCTS, _POPULARITY, _ORDERS, _ITEMS, _EVENTS, _SIGNUPS, _INCIDENTS = range(1, 9)

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
_REDELIVERY_RATE: Final = 0.01
