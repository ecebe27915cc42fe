"""Checks that compare a day with its own past, robustly: the seasonal volume check
(``volume:*`` with ``seasonality: day_of_week``) and the distribution drift of key measures
(``drift:*``). Pure, like ``rules``: the history and the day's values are passed in.

A baseline is the median of comparable past days and a robust spread: 1.4826 times the median
absolute deviation (the MAD, scaled to a normal standard deviation), never below a floor. The
floor matters because four Wednesdays can agree to the last order: a spread of zero would make
any wobble an anomaly. The day's score is its distance from the median in spreads (a robust
z-score); beyond ``tolerance`` it is an anomaly. Medians and MADs ignore one odd day among the
past ones, so an incident recorded in the history does not hide the next one.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from goldpipe.checks.model import CheckResult, Severity, failed, passed

Seasonality = Literal["none", "day_of_week"]
SEASONALITIES: tuple[Seasonality, ...] = ("none", "day_of_week")
# The MAD of normal data times this estimates its standard deviation.
MAD_TO_SIGMA = 1.4826
# Not strftime("%A"): the detail reads the same whatever the process's locale.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class BaselineSettings:
    """How a day is compared: ``seasonality`` picks the past days (``none``: every day of the last
    ``history_weeks`` weeks; ``day_of_week``: the same weekday of each of them), ``min_history_weeks``
    how many weeks must be there before a day is compared, ``tolerance`` the allowed score and
    ``min_relative_spread`` the floor of the spread as a share of the median."""

    seasonality: Seasonality
    history_weeks: int
    min_history_weeks: int
    tolerance: float
    min_relative_spread: float

    @property
    def window_days(self) -> int:
        return 7 * self.history_weeks

    @property
    def min_days(self) -> int:
        return self.min_history_weeks * (1 if self.seasonality == "day_of_week" else 7)


@dataclass(frozen=True)
class Measure:
    """A day's value; ``sample_size`` when it is a share of that many rows, whose binomial
    error then also floors the spread (a share of 40 rows cannot be known to 1 %)."""

    value: float
    sample_size: int | None = None


@dataclass(frozen=True)
class Baseline:
    days: tuple[dt.date, ...]  # the past days compared with, oldest first
    median: float
    spread: float

    def score(self, value: float) -> float:
        """Signed distance of ``value`` from the median, in spreads."""
        if self.spread > 0:
            return (value - self.median) / self.spread
        return 0.0 if value == self.median else math.copysign(math.inf, value - self.median)


def comparable_days(
    day: dt.date, history: Mapping[dt.date, float], settings: BaselineSettings
) -> dict[dt.date, float]:
    """The past days of ``history`` that ``day`` is compared with."""
    kept = {}
    for past, value in history.items():
        age = (day - past).days
        if not 0 < age <= settings.window_days:
            continue
        if settings.seasonality == "day_of_week" and age % 7:
            continue
        kept[past] = value
    return dict(sorted(kept.items()))


def baseline(past: Mapping[dt.date, float], measure: Measure, min_relative_spread: float) -> Baseline:
    values = list(past.values())
    median = statistics.median(values)
    mad = statistics.median(abs(v - median) for v in values)
    estimated = MAD_TO_SIGMA * mad
    if measure.sample_size and 0 <= median <= 1:
        # At least one row's worth of share, so that a share that is always 0 has a spread.
        p = max(median, 1 / measure.sample_size)
        estimated = max(estimated, math.sqrt(p * (1 - p) / measure.sample_size))
    # The median of k days is an estimate too: a new day's distance from it varies by about
    # sqrt(1 + pi / 2k) of one day's spread (a sample median's variance is ~ pi/2 sigma^2 / k),
    # 1.23 with three weeks. The relative floor is a chosen minimum, not an estimate: as is.
    estimated *= math.sqrt(1 + math.pi / (2 * len(values)))
    return Baseline(tuple(sorted(past)), median, max(estimated, min_relative_spread * abs(median)))


def describe_days(days: tuple[dt.date, ...], seasonality: Seasonality) -> str:
    """The detail's "compared with" part: ``the Wednesdays 2026-10-28, 11-04, 11-11``."""
    if not days:
        return "no day"
    first, rest = days[0].isoformat(), [d.strftime("%m-%d") for d in days[1:]]
    listed = ", ".join([first, *rest])
    if seasonality == "day_of_week":
        return f"the {_WEEKDAYS[days[0].weekday()]}s {listed}"
    return f"{len(days)} days {first}..{days[-1].isoformat()}"


def baseline_checks(
    kind: str,
    table: str,
    *,
    day: dt.date,
    current: Mapping[str, Measure],
    history: Mapping[str, Mapping[dt.date, float]],
    settings: BaselineSettings,
    severity: Severity,
) -> list[CheckResult]:
    """One result per measure, named ``<kind>:<measure>``, against its baseline in the history
    (keyed by the same name). Each result carries the day's value for later days' history."""
    results = []
    for measure, now in sorted(current.items()):
        name = f"{kind}:{measure}"
        past = comparable_days(day, history.get(name, {}), settings)
        value = now.value
        if len(past) < settings.min_days:
            wanted = f"{settings.min_days} comparable days"
            days = describe_days(tuple(past), settings.seasonality)
            note = f"{len(past)} comparable day(s) ({days}): not compared yet"
            results.append(passed(name, table, severity, f"{value:g}", wanted, note, day, value))
            continue
        base = baseline(past, now, settings.min_relative_spread)
        score = base.score(value)
        compared = describe_days(base.days, settings.seasonality)
        expected = (
            f"within {settings.tolerance:g} spreads ({settings.tolerance * base.spread:.4g}) "
            f"of the median {base.median:.4g}"
        )
        detail = (
            f"{measure} {value:.4g} vs median {base.median:.4g} of {compared}: "
            f"{abs(score):.1f} spreads {_direction(score)} (spread {base.spread:.4g}, "
            f"limit {settings.tolerance:g})"
        )
        outcome = failed if abs(score) > settings.tolerance else passed
        results.append(
            outcome(name, table, severity, f"{value:.6g}", expected, f"{table} {day}: {detail}", day, value)
        )
    return results


def _direction(score: float) -> str:
    return "above" if score > 0 else "below" if score < 0 else "from"
