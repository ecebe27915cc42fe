"""The dirt roles a generated row can play, and the rate at which random rows draw each."""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class OrderRole(IntEnum):
    CLEAN = 0
    MISSING_CUSTOMER = 1
    STATUS_NULL = 2
    STATUS_UNKNOWN = 3
    MISSING_CUSTOMER_AND_BAD_STATUS = 4
    FIX_LATER = 5
    BREAK_LATER = 6


ORDER_RATES: Final = {
    OrderRole.MISSING_CUSTOMER: 0.004,
    OrderRole.STATUS_NULL: 0.002,
    OrderRole.STATUS_UNKNOWN: 0.002,
    OrderRole.MISSING_CUSTOMER_AND_BAD_STATUS: 0.001,
    OrderRole.FIX_LATER: 0.003,
    OrderRole.BREAK_LATER: 0.003,
}


class ItemRole(IntEnum):
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


ITEM_RATES: Final = {
    ItemRole.ORPHAN: 0.003,
    ItemRole.MISSING_PRODUCT: 0.003,
    ItemRole.QUANTITY_NULL: 0.001,
    ItemRole.QUANTITY_ZERO: 0.001,
    ItemRole.QUANTITY_NEGATIVE: 0.001,
    ItemRole.PRICE_NULL: 0.001,
    ItemRole.PRICE_NEGATIVE: 0.001,
    ItemRole.DISCOUNT_NEGATIVE: 0.001,
    ItemRole.DISCOUNT_ABOVE_GROSS: 0.001,
    ItemRole.MISSING_PRODUCT_AND_BAD_QUANTITY: 0.0005,
    ItemRole.BAD_QUANTITY_AND_BAD_PRICE: 0.0005,
    ItemRole.ORPHAN_AND_BAD_PRICE: 0.0005,
    ItemRole.FIX_LATER: 0.002,
    ItemRole.BREAK_LATER: 0.002,
    ItemRole.QUANTITY_CORRECTION: 0.015,
}


class EventRole(IntEnum):
    CLEAN = 0
    TYPE_NULL = 1
    TYPE_UNKNOWN = 2
    MISSING_PRODUCT = 3
    FIX_LATER = 4
    BREAK_LATER = 5
    NULL_SESSION = 6
    UNKNOWN_PRODUCT_VIEW = 7
    NULL_CATEGORY_PRODUCT_VIEW = 8


EVENT_RATES: Final = {
    EventRole.TYPE_NULL: 0.002,
    EventRole.TYPE_UNKNOWN: 0.002,
    EventRole.MISSING_PRODUCT: 0.003,
    EventRole.FIX_LATER: 0.001,
    EventRole.BREAK_LATER: 0.001,
    EventRole.NULL_SESSION: 0.001,
    # Unknown products also come from the 1 % draw of every product event.
    EventRole.UNKNOWN_PRODUCT_VIEW: 0.0,
    EventRole.NULL_CATEGORY_PRODUCT_VIEW: 0.0,
}
