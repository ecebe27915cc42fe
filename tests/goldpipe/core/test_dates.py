from __future__ import annotations

import datetime as dt

import pytest

from goldpipe.core.dates import AUTO, MAX_RANGE_DAYS, auto_days, parse_date, parse_date_spec, yesterday

D = dt.date(2026, 11, 20)


def test_single_day_range_and_auto():
    assert parse_date_spec("2026-11-20").days == (D,)
    assert parse_date_spec("2026-11-19..2026-11-21").days == (D - dt.timedelta(1), D, D + dt.timedelta(1))
    assert parse_date_spec("auto") is AUTO and AUTO.is_auto


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "expected YYYY-MM-DD"),
        ("2026-13-01", "invalid date '2026-13-01'"),
        ("2026-11-21..2026-11-20", "is before"),
        ("2000-01-01..2026-01-01", f"at most {MAX_RANGE_DAYS}"),
        ("", "invalid date"),
        # Only the exact form: Python's own parser would take these (and strip() the spaces).
        (" 2026-11-27", "invalid date ' 2026-11-27'"),
        ("2026-11-27 ", "invalid date"),
        ("20261127", "invalid date '20261127'"),
        ("2026-W48-5", "invalid date"),
        (" 2026-11-19..2026-11-21", "a range YYYY-MM-DD..YYYY-MM-DD"),
    ],
)
def test_bad_specs_say_what_is_accepted(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date_spec(text)


def test_yesterday_is_utc():
    late_in_tokyo = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert yesterday(late_in_tokyo) == dt.date(2026, 11, 19)


def test_auto_without_gold_and_without_silver_days_is_yesterday_only():
    assert auto_days(None, D, 7).days == (D - dt.timedelta(1),)


def test_auto_without_gold_takes_the_last_days_of_silver_within_the_limit():
    thirty_days_of_silver = D - dt.timedelta(30)
    assert auto_days(None, D, 7, thirty_days_of_silver).days == tuple(
        D - dt.timedelta(d) for d in range(7, 0, -1)
    )
    assert auto_days(None, D, 30, thirty_days_of_silver).days == tuple(
        D - dt.timedelta(d) for d in range(30, 0, -1)
    )
    two_days = D - dt.timedelta(2)
    assert auto_days(None, D, 7, two_days).days == (D - dt.timedelta(2), D - dt.timedelta(1))
    assert auto_days(None, D, 7, D).days == (D - dt.timedelta(1),)  # silver only of today


def test_auto_up_to_date_does_nothing():
    assert auto_days(D - dt.timedelta(1), D, 7).days == ()
    assert auto_days(D + dt.timedelta(3), D, 7).days == ()


def test_auto_catches_up_oldest_first_within_the_limit():
    result = auto_days(D - dt.timedelta(10), D, 3)
    assert result.days == tuple(D - dt.timedelta(d) for d in (9, 8, 7))
    assert result.deferred == 6


def test_auto_limit_must_be_positive():
    with pytest.raises(ValueError):
        auto_days(None, D, 0)


def test_a_single_day_is_exactly_yyyy_mm_dd():
    assert parse_date("2026-11-27") == dt.date(2026, 11, 27)
    for text in ("20261127", " 2026-11-27", "2026-11-27\n", "auto"):
        with pytest.raises(ValueError, match=r"expected YYYY-MM-DD\Z"):
            parse_date(text)
