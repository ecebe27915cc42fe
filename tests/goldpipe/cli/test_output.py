"""The check table: a warning is WARN (the run still publishes), details are never cut."""

from __future__ import annotations

import datetime as dt

from goldpipe.checks.model import CheckResult
from goldpipe.cli.output import check_table

DAY = dt.date(2026, 11, 27)
LONG = "orders 1,204 deviate from the trailing 14-day median 600 by 100.7%, more than the allowed 50.0%"


def result(name: str, severity: str, status: str, message: str = "ok") -> CheckResult:
    return CheckResult(name, "daily_sales_summary", severity, status, "", "", message, DAY)  # type: ignore[arg-type]


def test_a_failed_warning_is_warn_and_a_failed_blocking_check_is_fail():
    rows = check_table(
        [result("volume:orders", "warning", "fail", LONG), result("uniqueness", "blocking", "fail")]
    )
    lines = rows.splitlines()[2:]
    assert lines[0].startswith("FAIL") and "uniqueness" in lines[0]
    assert lines[1].startswith("WARN") and "volume:orders" in lines[1]


def test_details_are_whole():
    assert LONG in check_table([result("volume:orders", "warning", "fail", LONG)])
