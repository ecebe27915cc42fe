from __future__ import annotations

import datetime as dt

import pytest

from goldpipe.core.dates import (
    AUTO,
    MAX_RANGE_DAYS,
    AutoDays,
    auto_days,
    commit_groups,
    jobs_auto_days,
    parse_date,
    parse_date_spec,
    unfinished,
    watermark,
    yesterday,
)

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


def days_between(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))


def ago(days: int) -> dt.date:
    return D - dt.timedelta(days)


SILVER_TO_YESTERDAY = (ago(30), ago(1))


def test_auto_without_silver_rows_has_no_day():
    """It took yesterday and published a zero-row day silver did not have (issue 22, finding 3)."""
    assert auto_days(None, D, 7, None).days == ()
    assert auto_days(ago(5), D, 7, None).days == ()


def test_auto_without_gold_takes_the_last_days_of_silver_within_the_limit():
    assert auto_days(None, D, 7, SILVER_TO_YESTERDAY).days == days_between(ago(7), ago(1))
    assert auto_days(None, D, 30, SILVER_TO_YESTERDAY).days == days_between(ago(30), ago(1))
    assert auto_days(None, D, 7, (ago(2), ago(1))).days == (ago(2), ago(1))
    assert auto_days(None, D, 7, (D, D)).days == ()  # silver only of today, which is not over


def test_auto_without_gold_ends_at_silver_s_last_day_not_yesterday():
    """docs/pipeline.md's "the last N days up to yesterday that silver has": silver ending 5 days ago
    gives its last N days, not days up to yesterday it does not have (issue 22, finding 3)."""
    assert auto_days(None, D, 3, (ago(30), ago(5))) == AutoDays(days_between(ago(7), ago(5)), 0)


def test_auto_up_to_date_does_nothing():
    assert auto_days(ago(1), D, 7, SILVER_TO_YESTERDAY).days == ()
    assert auto_days(D + dt.timedelta(3), D, 7, SILVER_TO_YESTERDAY).days == ()
    assert auto_days(ago(5), D, 7, (ago(30), ago(5))).days == ()  # up to date with silver


def test_auto_catches_up_oldest_first_within_the_limit():
    result = auto_days(ago(10), D, 3, SILVER_TO_YESTERDAY)
    assert result.days == (ago(9), ago(8), ago(7))
    assert result.deferred == 6


def test_auto_never_writes_a_day_silver_does_not_have():
    """Days after silver's last are not due yet, days before its first have nothing to compute."""
    assert auto_days(ago(10), D, 7, (ago(30), ago(8))) == AutoDays((ago(9), ago(8)), 0)
    assert auto_days(ago(40), D, 3, (ago(30), ago(1))) == AutoDays((ago(30), ago(29), ago(28)), 27)


def test_unfinished_days_are_today_and_later():
    assert unfinished((ago(1), D, D + dt.timedelta(400)), D) == (D, D + dt.timedelta(400))
    assert unfinished((ago(2), ago(1)), D) == ()


def test_auto_limit_must_be_positive():
    with pytest.raises(ValueError):
        auto_days(None, D, 0, SILVER_TO_YESTERDAY)


def test_a_single_day_is_exactly_yyyy_mm_dd():
    assert parse_date("2026-11-27") == dt.date(2026, 11, 27)
    for text in ("20261127", " 2026-11-27", "2026-11-27\n", "auto"):
        with pytest.raises(ValueError, match=r"expected YYYY-MM-DD\Z"):
            parse_date(text)


def test_a_run_commits_its_days_in_groups_of_consecutive_days():
    days = tuple(D + dt.timedelta(days=i) for i in range(7))
    assert commit_groups(days) == (days,)
    assert commit_groups(tuple(reversed(days)), size=3) == (days[:3], days[3:6], days[6:])
    assert commit_groups(()) == ()
    with pytest.raises(ValueError, match="at least 1"):
        commit_groups(days, size=0)


def test_the_watermark_is_the_newest_day_rows_or_commits_know():
    assert watermark([None, D, D + dt.timedelta(days=2), D + dt.timedelta(days=1)]) == D + dt.timedelta(
        days=2
    )
    assert watermark([None]) is None and watermark([]) is None


def test_the_laggard_job_decides_and_a_new_table_starts_afresh():
    silver = (D - dt.timedelta(days=30), D + dt.timedelta(days=30))
    today = D + dt.timedelta(days=5)
    behind, ahead = D, D + dt.timedelta(days=2)
    assert jobs_auto_days([ahead, behind], today, 7, silver) == auto_days(behind, today, 7, silver)
    assert jobs_auto_days([ahead, None], today, 7, silver) == auto_days(None, today, 7, silver)
