"""The robust, weekday-aware baselines of ``volume:*`` (day_of_week) and ``drift:*``."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from goldpipe.checks.baselines import (
    Baseline,
    BaselineSettings,
    Measure,
    baseline,
    baseline_checks,
    comparable_days,
)
from goldpipe.checks.config import checks_config
from goldpipe.core.errors import ConfigError
from goldpipe.deploy.values import chart_values, merge_values
from tests.support.checks import chart_checks

WEDNESDAY = dt.date(2026, 11, 18)
WEEKLY = BaselineSettings(
    "day_of_week", history_weeks=4, min_history_weeks=3, tolerance=4, min_relative_spread=0.1
)
FLAT = BaselineSettings("none", history_weeks=2, min_history_weeks=1, tolerance=4, min_relative_spread=0.1)


def weekly_orders(weeks: int = 4) -> dict[dt.date, float]:
    """Weeks of orders before WEDNESDAY: 1000 on weekdays (a little noise), 400 at weekends."""
    history = {}
    for back in range(1, 7 * weeks + 1):
        day = WEDNESDAY - dt.timedelta(days=back)
        history[day] = (400.0 if day.weekday() >= 5 else 1000.0) + back % 3 * 7
    return history


def check(value: float, history: dict[dt.date, float], settings: BaselineSettings = WEEKLY, share_of=None):
    [result] = baseline_checks(
        "volume",
        "daily_sales_summary",
        day=WEDNESDAY,
        current={"orders": Measure(value, share_of)},
        history={"volume:orders": history},
        settings=settings,
        severity="warning",
    )
    return result


def test_day_of_week_compares_with_the_same_weekdays_only():
    past = comparable_days(WEDNESDAY, weekly_orders(6), WEEKLY)
    assert list(past) == [WEDNESDAY - dt.timedelta(days=7 * k) for k in (4, 3, 2, 1)]
    assert {d.weekday() for d in past} == {2}
    # none: every day of the window, not older, not the day itself.
    flat = comparable_days(WEDNESDAY, {**weekly_orders(6), WEDNESDAY: 1.0}, FLAT)
    assert len(flat) == 14 and min(flat) == WEDNESDAY - dt.timedelta(days=14)


def test_a_weekend_dip_is_normal_and_a_halved_wednesday_is_not():
    history = weekly_orders()
    saturday = WEDNESDAY + dt.timedelta(days=3)
    [sat] = baseline_checks(
        "volume",
        "s",
        day=saturday,
        current={"orders": Measure(405)},
        history={"volume:orders": history},
        settings=WEEKLY,
        severity="warning",
    )
    assert sat.status == "pass", sat.message
    normal = check(1003, history)
    assert normal.status == "pass" and normal.metric == 1003
    halved = check(500, history)
    assert halved.status == "fail"
    # The detail names the days compared with, the median and the distance.
    assert "the Wednesdays 2026-10-21, 10-28, 11-04, 11-11" in halved.message
    assert "below" in halved.message and "median 1007" in halved.message
    # The trailing median of every day would have called the Saturday an anomaly and, with the
    # weekends in it, accepted far more than the halved Wednesday's deviation as normal.
    assert check(405, history, FLAT).status == "fail"


def test_the_spread_has_floors():
    same = dict.fromkeys((WEDNESDAY - dt.timedelta(days=7 * k) for k in (1, 2, 3)), 1000.0)
    # MAD 0: the floor of 10 % of the median keeps 1 % wobbles normal, 50 % drops not.
    assert baseline(same, Measure(990), 0.1) == Baseline(tuple(sorted(same)), 1000.0, 100.0)
    assert check(990, same).status == "pass"
    assert check(550, same).status == "fail"
    # A share of 200 rows that was 1 % has a binomial error of 0.7 %: 2 % is within 4 of them.
    shares = dict.fromkeys(same, 0.01)
    assert check(0.02, shares, share_of=200).status == "pass"
    assert check(0.10, shares, share_of=200).status == "fail"
    # A share that was always 0 still has a spread (one row's worth) and so can move.
    zeros = dict.fromkeys(same, 0.0)
    assert check(0.0, zeros, share_of=1000).status == "pass"
    assert check(0.05, zeros, share_of=1000).status == "fail"


def test_an_incident_in_the_history_does_not_hide_the_next_one():
    history = weekly_orders()
    history[WEDNESDAY - dt.timedelta(days=14)] = 100_000.0  # prices in cents, two weeks ago
    assert check(1001, history).status == "pass"
    assert check(100_000, history).status == "fail"


def test_too_little_history_is_not_compared_and_says_so():
    short = {WEDNESDAY - dt.timedelta(days=7): 1000.0, WEDNESDAY - dt.timedelta(days=14): 1000.0}
    result = check(1.0, short)
    assert result.status == "pass" and "2 comparable day(s)" in result.message
    assert "not compared yet" in result.message and result.metric == 1.0


def test_chart_defaults_and_back_compatible_values():
    config = chart_checks()
    volume = config.for_job("daily_sales_summary", "volumeAnomaly")
    assert volume.seasonality == "none" and volume.option("maxDeviation") == 0.5
    drift = config.for_job("rejected_rows", "distributionDrift")
    assert drift.enabled and drift.severity == "warning" and drift.baseline().seasonality == "day_of_week"
    weekly = chart_checks(
        {"jobs": {"daily_sales_summary": {"volumeAnomaly": {"seasonality": "day_of_week"}}}}
    )
    assert weekly.for_job("daily_sales_summary", "volumeAnomaly").baseline() == BaselineSettings(
        "day_of_week", 4, 3, 4.0, 0.1
    )
    assert weekly.for_job("rejected_rows", "volumeAnomaly").seasonality == "none"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"seasonality": "weekly"},
            "seasonality of volumeAnomaly must be one of none, day_of_week, got 'weekly'",
        ),
        (
            {"seasonality": "day_of_week", "minHistoryWeeks": 5},
            "1 <= minHistoryWeeks <= historyWeeks, got 5 and 4",
        ),
    ],
)
def test_bad_baseline_values_fail_at_load_with_the_value(override, message):
    values = merge_values(chart_values(None)["checks"], {"defaults": {"volumeAnomaly": override}})
    with pytest.raises(ConfigError, match=re.escape(message)):
        checks_config(values, ("daily_sales_summary",))
