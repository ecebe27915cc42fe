"""A weekly rhythm and injected incidents for ``goldpipe seed``: the data the seasonal checks
are measured on (``benchmarks/seasonality.py``).

A season changes how many orders a day has (its weekday's factor of ``orders_per_day``) and,
on an incident day, one thing about it. Random draws stay keyed by ``orders_per_day``, never
by the day's own count, so a season leaves every day of factor 1 without an incident exactly
as it is without one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np

from goldpipe.core.errors import GoldpipeError, UsageError
from goldpipe.seed.constants import MIN_ORDERS_PER_DAY, NULL, Cols

# What each incident does to its day, for the CLI's help and the docs.
INCIDENTS: Final = {
    "half-orders": "half the day's orders (and sessions)",
    "cents": "every unit price and discount 100 times too large (prices in cents)",
    "rejected-burst": "a null unit price on 10 % of the day's item rows (bad_price rejections)",
}
_BURST_SHARE: Final = 0.10
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Season:
    """``weekly``: the factor of each weekday, Monday first; ``incidents``: day -> kind."""

    weekly: tuple[float, ...] = (1.0,) * 7
    incidents: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7 or not all(0 < f <= 10 for f in self.weekly):
            raise GoldpipeError(
                "a weekly pattern has 7 factors, Monday first, each above 0 and at most 10; got "
                + ",".join(f"{f:g}" for f in self.weekly)
            )
        unknown = sorted({k for k in self.incidents.values() if k not in INCIDENTS})
        if unknown:
            raise GoldpipeError(f"unknown incident {', '.join(unknown)}: one of {', '.join(INCIDENTS)}")

    def orders_on(self, day: date, orders_per_day: int) -> int:
        """The day's order count: never below the generator's minimum."""
        factor = self.weekly[day.weekday()] * (0.5 if self.incidents.get(day) == "half-orders" else 1.0)
        return max(MIN_ORDERS_PER_DAY, round(orders_per_day * factor))

    def describe(self) -> str:
        parts = []
        if any(f != 1.0 for f in self.weekly):
            parts.append(
                "weekly " + " ".join(f"{d} {f:g}" for d, f in zip(WEEKDAYS, self.weekly, strict=True))
            )
        parts += [f"{kind} on {day}" for day, kind in sorted(self.incidents.items())]
        return "; ".join(parts)


def parse_weekly(text: str) -> tuple[float, ...]:
    """``1,1,1,1,1,0.4,0.4`` (Monday first) -> the factors; ``UsageError`` saying what is wrong."""
    try:
        factors = tuple(float(part) for part in text.split(","))
        Season(weekly=factors)  # validates
    except ValueError:
        raise UsageError(f"weekly pattern {text!r}: 7 numbers separated by commas, Monday first") from None
    except GoldpipeError as exc:
        raise UsageError(f"weekly pattern {text!r}: {exc}") from None
    return factors


def parse_incident(text: str) -> tuple[date, str]:
    """``2026-11-18:half-orders`` -> (day, kind)."""
    day, _, kind = text.partition(":")
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise UsageError(f"incident {text!r}: expected YYYY-MM-DD:KIND") from None
    if kind not in INCIDENTS:
        raise UsageError(f"incident {text!r}: KIND is one of {', '.join(INCIDENTS)}")
    return when, kind


def apply_to_items(kind: str | None, rng: np.random.Generator, items: Cols) -> None:
    """Change the day's item columns (integer cents, ``NULL`` for null) in place for ``kind``."""
    if kind == "cents":
        for column in ("unit", "discount"):
            values = items[column]
            items[column] = np.where(values == NULL, NULL, values * 100)
    elif kind == "rejected-burst":
        rows = items["unit"].size
        chosen = rng.choice(rows, size=max(1, round(rows * _BURST_SHARE)), replace=False)
        items["unit"][chosen] = NULL
