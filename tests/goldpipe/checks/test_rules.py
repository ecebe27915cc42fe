"""The pure check functions: each passes on good input and fails on the broken variant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from goldpipe.checks.model import CheckResult, verdict
from goldpipe.checks.rules import (
    FileStats,
    Totals,
    completeness_check,
    freshness_check,
    reconciliation_checks,
    schema_check,
    uniqueness_check,
    volume_checks,
)
from goldpipe.core.contract import DAILY_SALES_SUMMARY, PRODUCT_PERFORMANCE_ANALYTICS

D = dt.date(2026, 11, 20)
CONTRACT_COLUMNS = [(c.name, c.type, c.required) for c in PRODUCT_PERFORMANCE_ANALYTICS.columns]


def test_schema_equal_passes_and_drift_is_described():
    assert schema_check(PRODUCT_PERFORMANCE_ANALYTICS, CONTRACT_COLUMNS, "blocking").status == "pass"
    drifted = [c for c in CONTRACT_COLUMNS if c[0] != "brand"] + [("extra", "string", False)]
    drifted = [("views", "int", True) if c[0] == "views" else c for c in drifted]
    result = schema_check(PRODUCT_PERFORMANCE_ANALYTICS, drifted, "blocking")
    assert result.status == "fail"
    assert "missing brand" in result.observed and "unexpected extra" in result.observed
    assert "views: int required (contract long required)" in result.observed


def test_completeness():
    good = [FileStats(1, {"orders": 0})]
    assert (
        completeness_check(
            DAILY_SALES_SUMMARY, D, committed=True, files=good, severity="blocking", exactly_one_row=True
        ).status
        == "pass"
    )
    missing = completeness_check(DAILY_SALES_SUMMARY, D, committed=False, files=[], severity="blocking")
    assert missing.status == "fail" and "no commit" in missing.message
    two = completeness_check(
        DAILY_SALES_SUMMARY,
        D,
        committed=True,
        files=[FileStats(1, {}), FileStats(1, {})],
        severity="blocking",
        exactly_one_row=True,
    )
    assert two.status == "fail" and two.observed == "2 rows"
    nulls = completeness_check(
        PRODUCT_PERFORMANCE_ANALYTICS,
        D,
        committed=True,
        files=[FileStats(5, {"category": 2, "brand": 3})],
        severity="blocking",
    )
    assert nulls.status == "fail" and "category (2)" in nulls.observed and "brand" not in nulls.observed


def test_uniqueness():
    keys = pa.table({"event_date": [D, D, D], "product_id": ["a", "b", "c"]})
    assert uniqueness_check(PRODUCT_PERFORMANCE_ANALYTICS, D, keys, "blocking").status == "pass"
    dup = pa.table({"event_date": [D, D, D], "product_id": ["a", "b", "a"]})
    result = uniqueness_check(PRODUCT_PERFORMANCE_ANALYTICS, D, dup, "blocking")
    assert result.status == "fail" and "(2026-11-20, a)" in result.message
    null = pa.table({"event_date": [D, D], "product_id": ["a", None]})
    assert uniqueness_check(PRODUCT_PERFORMANCE_ANALYTICS, D, null, "blocking").status == "fail"


def test_reconciliation_and_invariants():
    silver = Totals(10, Decimal("99.50"), 4)
    gold = {
        "daily_sales_summary": Totals(10, Decimal("99.50"), 4),
        "product_performance_analytics": Totals(units=10, net_revenue=Decimal("99.50")),
        "daily_customer_analytics": Totals(10, Decimal("99.50"), 4),
    }
    results = reconciliation_checks(D, gold, silver, "blocking")
    assert results and all(r.status == "pass" for r in results)
    gold["product_performance_analytics"] = Totals(units=10, net_revenue=Decimal("98.50"))
    failing = [r for r in reconciliation_checks(D, gold, silver, "blocking") if r.status == "fail"]
    assert {(r.name, r.table) for r in failing} == {
        ("reconciliation:net_revenue", "product_performance_analytics"),
        ("invariant:net_revenue", "product_performance_analytics"),
    }


def test_freshness():
    now = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)
    fresh = freshness_check(
        "t",
        newest_day=D,
        last_commit=now - dt.timedelta(hours=3),
        now=now,
        allowed_lag_days=0,
        commit_sla_hours=30,
        severity="warning",
    )
    assert fresh.status == "pass"
    stale_day = freshness_check(
        "t",
        newest_day=D - dt.timedelta(days=2),
        last_commit=now,
        now=now,
        allowed_lag_days=1,
        commit_sla_hours=30,
        severity="warning",
    )
    assert stale_day.status == "fail" and "stale" in stale_day.message
    old_commit = freshness_check(
        "t",
        newest_day=D,
        last_commit=now - dt.timedelta(hours=31),
        now=now,
        allowed_lag_days=0,
        commit_sla_hours=30,
        severity="warning",
    )
    assert old_commit.status == "fail"
    assert (
        freshness_check(
            "t",
            newest_day=None,
            last_commit=None,
            now=now,
            allowed_lag_days=0,
            commit_sla_hours=30,
            severity="warning",
        ).status
        == "fail"
    )


def test_volume_against_the_trailing_median():
    history = {"orders": [100, 110, 90, 105, 95], "rows": [1, 1]}
    results = {
        r.name: r
        for r in volume_checks(
            "s",
            D,
            {"orders": 104, "rows": 1},
            history,
            max_deviation=0.5,
            min_history_days=5,
            severity="warning",
        )
    }
    assert results["volume:orders"].status == "pass" and results["volume:orders"].metric == 104
    assert results["volume:rows"].status == "pass" and "not compared" in results["volume:rows"].message
    spike = volume_checks(
        "s", D, {"orders": 400}, history, max_deviation=0.5, min_history_days=5, severity="warning"
    )
    assert spike[0].status == "fail" and "deviates 300%" in spike[0].message
    drop = volume_checks(
        "s", D, {"orders": 10}, history, max_deviation=0.5, min_history_days=5, severity="warning"
    )
    assert drop[0].status == "fail"


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([("pass", "blocking"), ("pass", "warning")], "passed"),
        ([("pass", "blocking"), ("fail", "warning")], "warning"),
        ([("fail", "blocking"), ("pass", "warning")], "failed"),
        ([("error", "blocking")], "failed"),
        ([("error", "warning")], "warning"),
        ([], "passed"),
    ],
)
def test_verdict(statuses, expected):
    results = [CheckResult("c", "t", severity, status, "", "", "") for status, severity in statuses]
    assert verdict(results) == expected
