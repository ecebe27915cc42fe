"""Which business days a run processes: ``YYYY-MM-DD``, ``D1..D2`` or ``auto``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_MAX_CATCH_UP_DAYS = 7
# A range beyond this is almost certainly a typo (a wrong year); backfills go through the cluster.
MAX_RANGE_DAYS = 3660
# A run commits its days to each gold table at once (one snapshot for a 7-day catch-up), up to
# this many days per commit: a one-off run over months would otherwise plan one Spark query over
# all of them and hold every day's silver in the cache at the same time.
DAYS_PER_COMMIT = 31


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


def unfinished(days: tuple[dt.date, ...], today: dt.date) -> tuple[dt.date, ...]:
    """The days of ``days`` that have not ended yet (``today`` or later, UTC).

    Their silver is incomplete, and once a run has published such a day ``auto`` takes it for
    done: it would never be computed again from the whole day's data. So a run of an explicit day
    refuses them unless asked (``--allow-unfinished-days``).
    """
    return tuple(day for day in days if day >= today)


@dataclass(frozen=True)
class AutoDays:
    days: tuple[dt.date, ...]
    # Days that were due but left for a later run by the catch-up limit.
    deferred: int


def auto_days(
    watermark: dt.date | None,
    today: dt.date,
    max_catch_up_days: int,
    silver_days: tuple[dt.date, dt.date] | None,
) -> AutoDays:
    """Every day after ``watermark`` up to yesterday that silver has, the oldest first, at most
    ``max_catch_up_days``.

    ``silver_days`` is the first and the last day silver has rows on (None: it has none): a day
    after silver's last is not due yet (ingest is behind, or silver ends there), and one before
    its first has nothing to compute, so ``auto`` never writes a day silver does not have.
    Catching up oldest-first means a gap never stays behind: the next run continues where this
    one stopped. With no watermark (empty gold): the last ``max_catch_up_days`` days that silver
    has; older history is a backfill's job.
    """
    if max_catch_up_days < 1:
        raise ValueError("max_catch_up_days must be at least 1")
    if silver_days is None:
        return AutoDays((), 0)
    first, last = silver_days[0], min(silver_days[1], today - dt.timedelta(days=1))
    if watermark is None:
        first = max(first, last - dt.timedelta(days=max_catch_up_days - 1))
    else:
        first = max(first, watermark + dt.timedelta(days=1))
    due = (last - first).days + 1
    if due <= 0:
        return AutoDays((), 0)
    taken = min(due, max_catch_up_days)
    return AutoDays(tuple(first + dt.timedelta(days=i) for i in range(taken)), due - taken)


def commit_groups(days: tuple[dt.date, ...], size: int = DAYS_PER_COMMIT) -> tuple[tuple[dt.date, ...], ...]:
    """``days`` in the groups a run commits together: consecutive runs of at most ``size`` days,
    in order (the oldest first, like ``auto``'s catch-up)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    ordered = tuple(sorted(set(days)))
    return tuple(ordered[i : i + size] for i in range(0, len(ordered), size))


def watermark(days: Iterable[dt.date | None]) -> dt.date | None:
    """The newest day a gold table has: the newest of the days its rows hold and the days its
    commits on ``main`` name (a day may legitimately have no rows; the rows cover the history
    that snapshot expiry removed). None for a table without either."""
    known = [day for day in days if day is not None]
    return max(known) if known else None


def jobs_auto_days(
    watermarks: Iterable[dt.date | None],
    today: dt.date,
    max_catch_up_days: int,
    silver_days: tuple[dt.date, dt.date] | None,
) -> AutoDays:
    """``auto``'s days for a run of several jobs, given each job's table's ``watermark``: the
    laggard decides (a job split into a schedule of its own catches up on its own), and a job
    whose table has no watermark yet starts the whole run afresh (``auto_days``)."""
    marks = list(watermarks)
    mark = None if any(m is None for m in marks) else min(m for m in marks if m is not None)
    return auto_days(mark, today, max_catch_up_days, silver_days)
