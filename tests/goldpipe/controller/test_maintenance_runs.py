"""Finished table maintenance runs through the controller: an Event with each table's report and
the per-table gauges, exactly once, also when the controller dies between two steps. Real Iceberg
tables (pyiceberg on sqlite) hold the reports as the job records them; FakeKube stands in for the API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from goldpipe.checks.history import results_table
from goldpipe.controller.backoff import Backoff
from goldpipe.controller.maintenance_runs import MaintenanceProcessor, maintenance_event, needs_report
from goldpipe.controller.metrics import Metrics
from goldpipe.controller.runtime import Controller
from goldpipe.controller.table_metrics import table_label
from goldpipe.core.contract import GOLD_TABLES
from goldpipe.core.maintenance_report import COUNTS, REPORT_PROPERTY, MaintenanceRecord
from goldpipe.core.names import kubernetes_run_id
from goldpipe.deploy.apps import SparkApp
from goldpipe.deploy.vocabulary import LABEL_MAINTENANCE_RESULT, SPARK_APPS
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.lakehouse.schema import create_table
from tests.fakes.kube import FakeKube
from tests.support.controller_runs import Killed, settings
from tests.support.controller_runs import add_maintenance_run as maintenance_run

SUBMISSION = "1a2b3c4d-0000-4000-8000-000000000000"
SALES, AUDIT = "gold.daily_sales_summary", "audit.check_results"
FINISHED = dt.datetime(2026, 12, 1, 5, 4, tzinfo=dt.UTC)


def run_id(name: str) -> str:
    return kubernetes_run_id(name, SUBMISSION)


def add_maintenance_run(kube: FakeKube, name: str, state: str = "COMPLETED") -> None:
    maintenance_run(kube, name, state, submissionID=SUBMISSION)


def record(table: str, run: str, **counts: int) -> MaintenanceRecord:
    return MaintenanceRecord(run_id=run, table=table, finished_at=FINISHED, **counts)


@pytest.fixture
def lake(tmp_path: Path) -> Any:
    """Two of the four gold tables and the audit's record: the others do not exist (yet)."""
    catalog = load_catalog(resolve_embedded(CatalogConfig(name="lake"), tmp_path / "lake"), create=True)
    create_table(catalog, GOLD_TABLES["daily_sales_summary"])
    create_table(catalog, GOLD_TABLES["rejected_rows"])
    results_table(catalog)
    return catalog


def report(catalog: Any, rec: MaintenanceRecord) -> None:
    """What the job's ALTER TABLE ... SET TBLPROPERTIES leaves (tests/spark_apps checks that)."""
    with catalog.load_table(rec.table).transaction() as tx:
        tx.set_properties({REPORT_PROPERTY: rec.to_json()})


def processor(kube: FakeKube, catalog: Any, **kwargs: Any) -> MaintenanceProcessor:
    config = settings()
    return MaintenanceProcessor(
        kube=kube, settings=lambda: config, catalog=lambda _: catalog, metrics=Metrics(), **kwargs
    )


def gauge(metrics: Metrics, name: str, table: str) -> float | None:
    return metrics.registry.get_sample_value(f"goldpipe_table_last_maintenance_{name}", {"table": table})


def test_a_completed_run_posts_its_tables_and_sets_their_gauges(lake: Any) -> None:
    kube, name = FakeKube(), "goldpipe-maintenance-1"
    add_maintenance_run(kube, name)
    report(lake, record(SALES, run_id(name), expired_snapshots=3, deleted_data_files=2, dropped_branches=1))
    report(lake, record(AUDIT, run_id(name), rewritten_manifests=1))
    proc = processor(kube, lake)

    proc.reconcile()

    [event] = kube.events
    assert (event["type"], event["reason"], event["name"]) == ("Normal", "MaintenanceCompleted", name)
    assert event["message"] == (
        "table maintenance completed: "
        f"{record(AUDIT, 'x', rewritten_manifests=1).line()}; "
        f"{record(SALES, 'x', expired_snapshots=3, deleted_data_files=2, dropped_branches=1).line()}; "
        "no report of this run from gold.rejected_rows"
    )
    assert (
        "gold.daily_sales_summary: 3 snapshots expired, 2 data and 0 orphan files deleted" in event["message"]
    )
    assert kube.objects[SPARK_APPS][name]["metadata"]["labels"][LABEL_MAINTENANCE_RESULT] == "completed"
    m = proc.metrics
    assert gauge(m, "expired_snapshots", "daily_sales_summary") == 3
    assert gauge(m, "dropped_branches", "daily_sales_summary") == 1
    assert gauge(m, "rewritten_manifests", "audit.check_results") == 1
    assert gauge(m, "timestamp_seconds", "daily_sales_summary") == FINISHED.timestamp()
    assert gauge(m, "expired_snapshots", "rejected_rows") is None  # never maintained: no series
    assert (
        m.registry.get_sample_value("goldpipe_maintenance_runs_processed_total", {"result": "completed"}) == 1
    )
    # Nothing left to do: a second pass touches nothing.
    writes = list(kube.writes)
    proc.reconcile()
    assert kube.writes == writes and len(kube.events) == 1


def test_a_failed_run_posts_a_warning_with_what_it_did_and_what_not(lake: Any) -> None:
    kube, name = FakeKube(), "goldpipe-maintenance-2"
    add_maintenance_run(kube, name, state="FAILED")
    report(lake, record(SALES, run_id(name), expired_snapshots=1))
    report(lake, record(AUDIT, "an-earlier-run"))
    received: list[str] = []
    webhook: Any = type("Hook", (), {"send": lambda self, text: received.append(text) or True})()

    processor(kube, lake, webhook=webhook).reconcile()

    [event] = kube.events
    assert (event["type"], event["reason"]) == ("Warning", "MaintenanceFailed")
    assert event["message"].startswith(
        "table maintenance FAILED (its driver's log says why); done before it stopped: "
    )
    assert event["message"].endswith("; not done: audit.check_results, gold.rejected_rows")
    assert kube.objects[SPARK_APPS][name]["metadata"]["labels"][LABEL_MAINTENANCE_RESULT] == "failed"
    assert len(received) == 1 and name in received[0]


def test_killed_before_the_label_the_next_pass_posts_nothing_twice(lake: Any) -> None:
    kube, name = FakeKube(), "goldpipe-maintenance-3"
    add_maintenance_run(kube, name)
    report(lake, record(SALES, run_id(name)))
    proc = processor(kube, lake)
    original = kube.patch_metadata

    def die(*args: Any, **kwargs: Any) -> Any:
        raise Killed

    kube.patch_metadata = die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        proc.reconcile()
    assert len(kube.events) == 1 and needs_report(SparkApp(kube.objects[SPARK_APPS][name]))
    kube.patch_metadata = original  # type: ignore[method-assign]
    proc.reconcile()  # the restarted controller
    assert len(kube.events) == 1
    assert kube.objects[SPARK_APPS][name]["metadata"]["labels"][LABEL_MAINTENANCE_RESULT] == "completed"


def test_an_unreadable_catalog_backs_off_and_reports_later(lake: Any) -> None:
    kube, name = FakeKube(), "goldpipe-maintenance-4"
    add_maintenance_run(kube, name)
    clock = [100.0]
    reachable = [False]

    def catalog(_: Any) -> Any:
        if not reachable[0]:
            raise OSError("catalog unreachable")
        return lake

    config = settings()
    proc = MaintenanceProcessor(
        kube=kube,
        settings=lambda: config,
        catalog=catalog,
        metrics=Metrics(),
        backoff=Backoff(clock=lambda: clock[0]),
    )
    proc.reconcile()
    assert kube.events == [] and proc.metrics.table_stats_errors._value.get() == 1
    reachable[0] = True
    proc.reconcile()  # backing off: not tried yet
    assert kube.events == []
    clock[0] += 2
    proc.reconcile()
    assert [e["reason"] for e in kube.events] == ["MaintenanceCompleted"]


def test_runs_in_progress_gold_runs_and_reported_runs_are_left_alone(lake: Any) -> None:
    kube = FakeKube()
    add_maintenance_run(kube, "running", state="RUNNING")
    add_maintenance_run(kube, "reported")
    kube.objects[SPARK_APPS]["reported"]["metadata"]["labels"][LABEL_MAINTENANCE_RESULT] = "completed"
    add_maintenance_run(kube, "gold")
    kube.objects[SPARK_APPS]["gold"]["metadata"]["labels"]["app.kubernetes.io/component"] = "gold-job"
    processor(kube, lake).reconcile()
    assert kube.events == [] and kube.writes == []


def test_the_gauges_are_read_on_every_resync_also_after_a_restart(lake: Any, config_dir: Path) -> None:
    """Level-triggered: a restarted controller has every table's latest report back on its first
    pass, with no maintenance run left to report."""
    report(lake, record(SALES, "long-reported", deleted_orphan_files=7))
    kube = FakeKube("analytics")
    kube.add_configmap("goldpipe-config")
    controller = Controller(kube=kube, config_dir=config_dir, catalog=lambda _: lake)
    controller.reconcile_once()
    assert gauge(controller.metrics, "deleted_orphan_files", "daily_sales_summary") == 7


def test_the_event_of_a_run_without_any_report() -> None:
    """A dry run records nothing; a run that never started (SUBMISSION_FAILED) did nothing."""
    raw: dict[str, Any] = {
        "metadata": {"name": "m", "labels": {"app.kubernetes.io/component": "table-maintenance"}}
    }
    completed = SparkApp({**raw, "status": {"applicationState": {"state": "COMPLETED"}}})
    assert maintenance_event(completed, {}).message == "table maintenance completed"
    assert maintenance_event(completed, {SALES: None}).message == (
        "table maintenance completed; no report of this run from gold.daily_sales_summary"
    )
    never = SparkApp({**raw, "status": {"applicationState": {"state": "SUBMISSION_FAILED"}}})
    event = maintenance_event(never, {SALES: record(SALES, "m")} | {AUDIT: None})
    assert (event.result, event.type) == ("failed", "Warning")
    assert event.message.startswith("table maintenance SUBMISSION_FAILED")
    assert "done before it stopped: gold.daily_sales_summary" in event.message  # run id "m": its own
    assert event.message.endswith("not done: audit.check_results")


def test_gold_tables_are_labelled_by_name_like_every_other_per_table_series() -> None:
    assert table_label(SALES) == "daily_sales_summary"
    assert table_label(AUDIT) == "audit.check_results"
    assert set(Metrics().maintenance_counts) == set(COUNTS)
