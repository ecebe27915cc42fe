"""Which business days a run processes: ``YYYY-MM-DD``, ``D1..D2`` or ``auto``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DEFAULT_MAX_CATCH_UP_DAYS = 7
# A range beyond this is almost certainly a typo (a wrong year); backfills go through the cluster.
MAX_RANGE_DAYS = 3660


@dataclass(frozen=True)
class DateSpec:
    """Explicit days, or ``auto`` (``days`` empty) to be resolved against gold's watermark."""

    days: tuple[dt.date, ...] = ()

    @property
    def is_auto(self) -> bool:
        return not self.days


AUTO = DateSpec()
DATE_SPEC_HELP = "YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD (inclusive) or 'auto'"


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> dt.date:
    """Exactly ``YYYY-MM-DD`` (Python would also take ``20261127`` and ``2026-W48-5``)."""
    try:
        if not _DAY.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid date {text!r}: expected YYYY-MM-DD") from None


def parse_date_spec(text: str) -> DateSpec:
    """Parse a ``--date`` value; ``ValueError`` with the accepted forms otherwise."""
    if text == "auto":
        return AUTO
    try:
        if ".." in text:
            start_text, _, end_text = text.partition("..")
            start, end = parse_date(start_text), parse_date(end_text)
        else:
            return DateSpec((parse_date(text),))
    except ValueError:
        raise ValueError(f"invalid date {text!r}: expected {DATE_SPEC_HELP}") from None
    if end < start:
        raise ValueError(f"invalid date range {text!r}: {end} is before {start}")
    count = (end - start).days + 1
    if count > MAX_RANGE_DAYS:
        raise ValueError(f"invalid date range {text!r}: {count} days, at most {MAX_RANGE_DAYS}")
    return DateSpec(tuple(start + dt.timedelta(days=i) for i in range(count)))


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The business day as the half-open UTC instant range ``[00:00, next 00:00)``."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def yesterday(now: dt.datetime | None = None) -> dt.date:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class AutoDays:
    days: tuple[dt.date, ...]
    # Days that were due but left for a later run by the catch-up limit.
    deferred: int


def auto_days(
    watermark: dt.date | None, today: dt.date, max_catch_up_days: int, first_silver_day: dt.date | None = None
) -> AutoDays:
    """Every day after ``watermark`` up to yesterday, the oldest first, at most ``max_catch_up_days``.

    Catching up oldest-first means a gap never stays behind: the next run continues where this
    one stopped. With no watermark (empty gold), the last ``max_catch_up_days`` days up to
    yesterday that silver has (from ``first_silver_day``; yesterday alone when it is unknown):
    recent days first, older history is a backfill's job.
    """
    if max_catch_up_days < 1:
        raise ValueError("max_catch_up_days must be at least 1")
    last = today - dt.timedelta(days=1)
    if watermark is None:
        if first_silver_day is None or first_silver_day >= last:
            return AutoDays((last,), 0)
        start = max(first_silver_day, last - dt.timedelta(days=max_catch_up_days - 1))
        return AutoDays(tuple(start + dt.timedelta(days=i) for i in range((last - start).days + 1)), 0)
    due = (last - watermark).days
    if due <= 0:
        return AutoDays((), 0)
    taken = min(due, max_catch_up_days)
    return AutoDays(tuple(watermark + dt.timedelta(days=i) for i in range(1, taken + 1)), due - taken)
