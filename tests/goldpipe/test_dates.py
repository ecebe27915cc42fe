from __future__ import annotations

import datetime as dt

import pytest

from goldpipe.dates import AUTO, MAX_RANGE_DAYS, auto_days, parse_date_spec, yesterday

D = dt.date(2026, 11, 20)


def test_single_day_range_and_auto():
    assert parse_date_spec("2026-11-20").days == (D,)
    assert parse_date_spec(" 2026-11-19..2026-11-21 ").days == (D - dt.timedelta(1), D, D + dt.timedelta(1))
    assert parse_date_spec("auto") is AUTO and AUTO.is_auto


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "expected YYYY-MM-DD"),
        ("2026-13-01", "invalid date '2026-13-01'"),
        ("2026-11-21..2026-11-20", "is before"),
        ("2000-01-01..2026-01-01", f"at most {MAX_RANGE_DAYS}"),
        ("", "invalid date"),
    ],
)
def test_bad_specs_say_what_is_accepted(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date_spec(text)


def test_yesterday_is_utc():
    late_in_tokyo = dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    assert yesterday(late_in_tokyo) == dt.date(2026, 11, 19)


def test_auto_without_gold_is_yesterday_only():
    assert auto_days(None, D, 7).days == (D - dt.timedelta(1),)


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
