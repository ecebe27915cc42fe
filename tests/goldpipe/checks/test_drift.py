"""The weekday-aware checks on a real lakehouse: seeded weeks with a weekend dip, gold runs
audited day by day with their history in ``audit.check_results``, and prices in cents on the
last day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from goldpipe.checks.audit import audit_run
from goldpipe.checks.config import CHECK_NAMES
from goldpipe.checks.measures import MEASURES
from goldpipe.core.contract import JOB_NAMES
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.seed import Season, seed_silver
from tests.support.checks import chart_checks
from tests.support.reference_run import write_reference_run

LAST_DAY = dt.date(2026, 11, 20)  # a Friday
DAYS = 15


def config(**drift: object) -> object:
    """Only the two baseline checks, compared with the same weekday of the two weeks before
    (once there is one)."""
    weekly = {"historyWeeks": 2, "minHistoryWeeks": 1}
    defaults = {n: {"enabled": n in ("volumeAnomaly", "distributionDrift")} for n in CHECK_NAMES}
    defaults["volumeAnomaly"].update(seasonality="day_of_week", **weekly)
    defaults["distributionDrift"].update(weekly, **drift)
    return chart_checks({"defaults": defaults})


def now(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(3), dt.UTC)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[dt.date, list]]:
    """Two weeks audited and published day by day; the cents day is left for the tests."""
    root: Path = tmp_path_factory.mktemp("weeks")
    catalog = load_catalog(resolve_embedded(CatalogConfig(name="lake"), root), create=True)
    season = Season((1, 1, 1, 1, 1, 0.4, 0.4), {LAST_DAY: "cents"})
    seed_silver(
        catalog, days=DAYS, end_date=LAST_DAY, orders_per_day=60, seed=3, replace=False, season=season
    )
    results = {}
    for back in range(DAYS - 1, 0, -1):
        day = LAST_DAY - dt.timedelta(days=back)
        write_reference_run(catalog, f"r{back}", (day,), computed_at=now(day))
        outcome = audit_run(catalog, run_id=f"r{back}", jobs=JOB_NAMES, config=config(), now=now(day))
        assert outcome.published
        results[day] = outcome.results
    return catalog, results


def test_every_table_reports_its_measures_and_weekends_are_compared_with_weekends(replayed):
    _, results = replayed
    first_compared = LAST_DAY - dt.timedelta(days=6)  # the first Saturday with a Saturday before
    assert first_compared.weekday() == 5
    day = results[first_compared]
    drift = {(r.table, r.name.removeprefix("drift:")) for r in day if r.name.startswith("drift:")}
    assert drift == {(table, m) for table, names in MEASURES.items() for m in names}
    orders = next(r for r in day if r.name == "volume:orders")
    assert orders.status == "pass", orders.message
    assert "the Saturdays 2026-11-07" in orders.message
    # Before an earlier Saturday existed, the Saturday was not compared: no weekend alarm.
    early = results[first_compared - dt.timedelta(days=7)]
    assert all("not compared yet" in r.message for r in early if r.name.startswith("volume:"))


def test_prices_in_cents_drift_warn_by_default_and_block_when_configured(replayed):
    catalog, _ = replayed
    write_reference_run(catalog, "cents-blocking", (LAST_DAY,), computed_at=now(LAST_DAY))
    blocked = audit_run(
        catalog,
        run_id="cents-blocking",
        jobs=JOB_NAMES,
        config=config(severity="blocking"),
        now=now(LAST_DAY),
    )
    assert blocked.verdict == "failed" and not blocked.published
    write_reference_run(catalog, "cents", (LAST_DAY,), computed_at=now(LAST_DAY))
    warned = audit_run(catalog, run_id="cents", jobs=JOB_NAMES, config=config(), now=now(LAST_DAY))
    assert warned.verdict == "warning" and warned.published
    failing = {(r.table, r.name): r for r in warned.results if r.status != "pass"}
    per_order = failing[("daily_sales_summary", "drift:net_revenue_per_order")]
    assert per_order.severity == "warning"
    assert "vs median" in per_order.message and "the Fridays 2026-11-06, 11-13" in per_order.message
    assert ("product_performance_analytics", "drift:net_revenue_per_unit") in failing
    # The units sold did not change, only what they cost.
    assert ("daily_sales_summary", "drift:units_per_order") not in failing
