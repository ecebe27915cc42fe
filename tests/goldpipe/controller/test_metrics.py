"""The metrics an on-call needs, as the controller's registry exports them: per-table freshness and
rows, blocking failures of a table's latest run, runs failed by reason, run durations by verdict,
overdue runs. Real Iceberg tables (the reference writer), FakeKube for the API."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow.compute as pc

from goldpipe.controller.metrics import FAILURE_REASONS, Metrics
from goldpipe.controller.table_metrics import day_start, record_freshness
from goldpipe.core.contract import JOB_NAMES
from tests.goldpipe.conftest import NOW
from tests.support.controller_runs import add_run, processor

# Label names whose values are bounded by the contract or by a tuple in goldpipe.controller.metrics.
BOUNDED_LABELS = {"table", "check", "verdict", "reason", "result", "action", "status", "severity", "le"}


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_names_and_labels_follow_the_prometheus_conventions() -> None:
    families = list(Metrics().registry.collect())
    assert len(families) >= 20
    for family in families:
        assert re.fullmatch(r"goldpipe_[a-z_]+", family.name), family.name
        assert family.documentation, family.name
        if family.type == "counter":
            assert not family.name.endswith("_total"), family.name  # the client adds it
        if "timestamp" in family.name or "duration" in family.name or "lag" in family.name:
            assert family.name.endswith("_seconds"), family.name
        for s in family.samples:
            assert set(s.labels) <= BOUNDED_LABELS, (family.name, s.labels)
    # Bounded label sets exist from the start (at 0), so the first failure is an increase.
    metrics = Metrics()
    assert [sample(metrics, "goldpipe_runs_failed_total", reason=r) for r in FAILURE_REASONS] == [0.0] * 4
    assert sample(metrics, "goldpipe_table_last_run_blocking_check_failures", table="rejected_rows") == 0.0


def test_a_failing_run_then_a_clean_one(gold_lake):
    """The blocking-failure gauge of a table goes up with a failing run and back to 0 with a
    clean run of the same days; rows, freshness, durations and reasons are recorded."""
    from tests.fakes.kube import FakeKube

    kube = FakeKube()
    bad, good = "goldpipe-nightly-1", "goldpipe-nightly-2"
    gold_lake.write_run(
        bad,
        gold_lake.days,
        mutate=lambda job, day, rows: rows.slice(1) if job == "daily_sales_summary" else rows,
    )
    add_run(kube, bad, state="COMPLETED")
    proc = processor(kube, gold_lake)
    proc.reconcile()
    m = proc.metrics
    failures = sample(m, "goldpipe_table_last_run_blocking_check_failures", table="daily_sales_summary")
    assert failures is not None and failures >= 1
    assert sample(m, "goldpipe_table_last_run_blocking_check_failures", table="rejected_rows") == 0
    assert sample(m, "goldpipe_runs_failed_total", reason="checks_failed") == 1
    assert sample(m, "goldpipe_run_duration_seconds_count", verdict="failed") == 1
    # 02:00:05 to 02:20:00 (add_run's times).
    assert sample(m, "goldpipe_run_duration_seconds_sum", verdict="failed") == 1195
    # Nothing published: no freshness yet.
    assert sample(m, "goldpipe_table_last_published_timestamp_seconds", table="daily_sales_summary") is None
    # The run's own rows, from its branch: the mutation left each day of the summary empty.
    assert sample(m, "goldpipe_table_last_run_written_rows", table="daily_sales_summary") == 0
    assert sample(m, "goldpipe_table_last_run_written_rows", table="daily_customer_analytics") > 0

    gold_lake.write_run(good, gold_lake.days)
    add_run(kube, good, state="COMPLETED")
    kube.objects["sparkapplications"][good]["metadata"]["creationTimestamp"] = "2026-11-21T03:00:00Z"
    proc.reconcile()
    assert sample(m, "goldpipe_table_last_run_blocking_check_failures", table="daily_sales_summary") == 0
    assert sample(m, "goldpipe_runs_processed_total", verdict="passed") == 1
    assert sample(m, "goldpipe_runs_failed_total", reason="checks_failed") == 1
    assert sample(m, "goldpipe_table_last_run_written_rows", table="daily_sales_summary") == 3
    customers = gold_lake.main_rows("daily_customer_analytics")
    assert sample(m, "goldpipe_table_last_run_written_rows", table="daily_customer_analytics") == len(
        customers
    )
    rejected = gold_lake.table("rejected_rows").scan().to_arrow()
    by_source = {
        source: pc.sum(rejected.filter(pc.equal(rejected["source_table"], source))["rejected_count"]).as_py()
        or 0
        for source in ("orders", "order_items", "events")
    }
    assert sum(by_source.values()) > 0  # the seed has dirt: the comparison below is not 0 == 0
    assert sample(m, "goldpipe_table_last_run_rejected_rows", table="daily_sales_summary") == (
        by_source["orders"] + by_source["order_items"]
    )
    assert sample(m, "goldpipe_table_last_run_rejected_rows", table="rejected_rows") == sum(
        by_source.values()
    )
    for table in JOB_NAMES:
        assert sample(m, "goldpipe_table_newest_day_timestamp_seconds", table=table) == day_start(
            max(gold_lake.days)
        )
        published = sample(m, "goldpipe_table_last_published_timestamp_seconds", table=table)
        assert published is not None and abs(published - dt.datetime.now(dt.UTC).timestamp()) < 600


def test_failed_and_overdue_runs_by_reason(gold_lake):
    from tests.fakes.kube import FakeKube

    kube = FakeKube()
    add_run(kube, "goldpipe-nightly-f", state="FAILED")
    add_run(kube, "goldpipe-nightly-r", state="RUNNING")
    late = NOW + dt.timedelta(hours=5)
    proc = processor(kube, gold_lake, clock=lambda: late)
    proc.reconcile()
    m = proc.metrics
    assert sample(m, "goldpipe_runs_failed_total", reason="run_failed") == 1
    assert sample(m, "goldpipe_runs_failed_total", reason="stuck") == 1
    assert sample(m, "goldpipe_overdue_runs") == 1
    proc.reconcile()  # warned once; still overdue
    assert sample(m, "goldpipe_runs_failed_total", reason="stuck") == 1
    assert sample(m, "goldpipe_overdue_runs") == 1
    kube.objects["sparkapplications"]["goldpipe-nightly-r"]["status"]["applicationState"]["state"] = "FAILED"
    proc.reconcile()
    assert sample(m, "goldpipe_overdue_runs") == 0
    assert sample(m, "goldpipe_runs_failed_total", reason="run_failed") == 2


def test_freshness_of_an_unreadable_catalog_is_counted_not_raised() -> None:
    class Broken:
        def table_exists(self, identifier: object) -> bool:
            raise OSError("the catalog database is gone")

    metrics = Metrics()
    assert record_freshness(Broken(), metrics) is False  # type: ignore[arg-type]
    assert sample(metrics, "goldpipe_table_stats_errors_total") == 1


def test_the_monitoring_page_documents_every_per_table_gauge() -> None:
    page = (Path(__file__).resolve().parents[3] / "docs" / "monitoring.md").read_text(encoding="utf-8")
    section = page.split("## The metrics", 1)[1].split("\n## ", 1)[0]
    gauges = [
        f.name
        for f in Metrics().registry.collect()
        if f.type == "gauge" and f.name.startswith("goldpipe_table_")
    ]
    assert len(gauges) >= 12
    assert [name for name in gauges if f"`{name}`" not in section] == []
    assert "`goldpipe_maintenance_runs_processed_total{result}`" in section
