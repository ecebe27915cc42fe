"""Finished runs through the controller: checked, published and posted exactly once, also when the
controller is killed between any two steps. Real Iceberg tables; FakeKube stands in for the API."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from goldpipe.checks import history
from goldpipe.controller.finished_runs import RunProcessor
from goldpipe.controller.metrics import Metrics
from goldpipe.controller.notify import Webhook
from goldpipe.core.names import branch_name, tag_name
from goldpipe.deploy.vocabulary import ANNOTATION_STUCK, ANNOTATION_SUMMARY, SPARK_APPS
from tests.fakes.kube import FakeKube
from tests.goldpipe.conftest import NOW
from tests.support.controller_runs import (
    JOBS,
    Killed,
    add_maintenance_run,
    add_run,
    app,
    processor,
    settings,
)


def test_a_completed_run_is_checked_published_and_posted(gold_lake):
    kube = FakeKube()
    name = "goldpipe-nightly-1795654800000000000"
    gold_lake.write_run(name, gold_lake.days)
    add_run(kube, name)
    proc = processor(kube, gold_lake)
    proc.reconcile()
    labels = app(kube, name)["metadata"]["labels"]
    assert labels["goldpipe.io/checks"] == "passed"
    summary = json.loads(app(kube, name)["metadata"]["annotations"][ANNOTATION_SUMMARY])
    assert summary["published"] is True and summary["days"] == [d.isoformat() for d in gold_lake.days]
    [event] = kube.events
    assert (event["type"], event["reason"], event["kind"]) == ("Normal", "ChecksPassed", "SparkApplication")
    assert len(gold_lake.main_rows("daily_sales_summary")) == 3
    assert proc.metrics.runs.labels(verdict="passed")._value.get() == 1
    assert proc.metrics.publish_lag._sum.get() > 0
    # Nothing left to do: a second pass touches nothing.
    writes = list(kube.writes)
    proc.reconcile()
    assert kube.writes == writes and len(kube.events) == 1


def test_a_failing_run_gets_a_warning_listing_the_checks_and_no_publish(gold_lake):
    kube = FakeKube()
    name = "goldpipe-nightly-1"
    gold_lake.write_run(
        name,
        gold_lake.days,
        mutate=lambda job, day, rows: rows.slice(1) if job == "daily_sales_summary" else rows,
    )
    add_run(kube, name)
    received = []
    with WebhookServer(received) as url:
        processor(kube, gold_lake, webhook=Webhook(url, sleep=lambda _: None)).reconcile()
    assert app(kube, name)["metadata"]["labels"]["goldpipe.io/checks"] == "failed"
    [event] = kube.events
    assert event["type"] == "Warning" and event["reason"] == "ChecksFailed"
    assert "daily_sales_summary/completeness" in event["message"]
    assert gold_lake.main_rows("daily_sales_summary") == []
    assert len(received) == 1 and "failed its blocking checks" in received[0]["text"]
    summary = json.loads(app(kube, name)["metadata"]["annotations"][ANNOTATION_SUMMARY])
    assert summary["published"] is False and any("completeness" in f for f in summary["failed"])


def test_a_failed_spark_run_gets_a_warning_and_no_publish(gold_lake):
    kube = FakeKube()
    gold_lake.write_run("goldpipe-nightly-2", gold_lake.days[:1])  # a partial branch the run left behind
    add_run(kube, "goldpipe-nightly-2", state="FAILED")
    processor(kube, gold_lake).reconcile()
    assert app(kube, "goldpipe-nightly-2")["metadata"]["labels"]["goldpipe.io/checks"] == "failed"
    assert [e["reason"] for e in kube.events] == ["RunFailed"]
    assert gold_lake.main_rows("daily_sales_summary") == []
    table = gold_lake.catalog.load_table("gold.daily_sales_summary")
    assert branch_name("goldpipe-nightly-2") in table.metadata.refs


def test_a_stuck_run_is_warned_about_once(gold_lake):
    """Gold runs and table maintenance runs alike: a hung one blocks every later one (Forbid)."""
    kube = FakeKube()
    add_run(kube, "goldpipe-nightly-3", state="RUNNING")
    add_maintenance_run(kube, "goldpipe-maintenance-1", state="RUNNING")
    add_maintenance_run(kube, "goldpipe-maintenance-0", state="COMPLETED")
    late = NOW + dt.timedelta(hours=5)
    proc = processor(kube, gold_lake, clock=lambda: late)
    proc.reconcile()
    proc.reconcile()
    assert sorted((e["reason"], e["name"]) for e in kube.events) == [
        ("RunStuck", "goldpipe-maintenance-1"),
        ("RunStuck", "goldpipe-nightly-3"),
    ]
    assert all("blocks every later scheduled run" in e["message"] for e in kube.events)
    for name in ("goldpipe-nightly-3", "goldpipe-maintenance-1"):
        assert ANNOTATION_STUCK in app(kube, name)["metadata"]["annotations"]
        assert "goldpipe.io/checks" not in app(kube, name)["metadata"]["labels"]
    assert proc.metrics.overdue_runs._value.get() == 2


def test_a_publish_conflict_is_final_and_reported(gold_lake):
    kube = FakeKube()
    gold_lake.write_run("goldpipe-nightly-slow", gold_lake.days[:2])
    gold_lake.write_run("goldpipe-nightly-fast", gold_lake.days[1:2])
    add_run(kube, "goldpipe-nightly-fast")
    processor(kube, gold_lake).reconcile()
    add_run(kube, "goldpipe-nightly-slow")
    processor(kube, gold_lake).reconcile()
    assert app(kube, "goldpipe-nightly-slow")["metadata"]["labels"]["goldpipe.io/checks"] == "failed"
    assert "PublishConflict" in [e["reason"] for e in kube.events]


@pytest.mark.parametrize(
    "crash_at",
    ["after-check", "after-publish", "before-label"],
)
def test_kill_and_restart_at_each_step_is_exactly_once(gold_lake, monkeypatch, crash_at):
    kube = FakeKube()
    name = "goldpipe-nightly-4"
    gold_lake.write_run(name, gold_lake.days)
    add_run(kube, name)
    if crash_at == "after-check":
        import goldpipe.checks.audit

        real = goldpipe.checks.audit.publish_run
        monkeypatch.setattr(
            goldpipe.checks.audit, "publish_run", lambda *a, **k: (_ for _ in ()).throw(Killed())
        )
    elif crash_at == "after-publish":
        real_event = kube.create_event
        kube.create_event = lambda *a, **k: (_ for _ in ()).throw(Killed())
    else:
        real_patch = kube.patch_metadata
        kube.patch_metadata = lambda *a, **k: (_ for _ in ()).throw(Killed())

    with pytest.raises(Killed):
        processor(kube, gold_lake).reconcile()
    assert "goldpipe.io/checks" not in app(kube, name)["metadata"]["labels"]

    # Restart: a new controller process, same cluster and lakehouse.
    if crash_at == "after-check":
        monkeypatch.setattr(goldpipe.checks.audit, "publish_run", real)
    elif crash_at == "after-publish":
        kube.create_event = real_event
    else:
        kube.patch_metadata = real_patch
    processor(kube, gold_lake).reconcile()

    assert app(kube, name)["metadata"]["labels"]["goldpipe.io/checks"] == "passed"
    results = history.results_table(gold_lake.catalog).scan().to_arrow().to_pylist()
    keys = [(r["table_name"], str(r["event_date"]), r["check_name"]) for r in results if r["run_id"] == name]
    assert keys and len(keys) == len(set(keys)), "checks recorded more than once"
    for job in JOBS.split(","):
        table = gold_lake.catalog.load_table(f"gold.{job}")
        refs = table.metadata.refs
        assert refs["main"].snapshot_id == refs[tag_name(name)].snapshot_id
        # main moved once: the initial empty commit, then the publication.
        assert len(table.history()) == 2, job
    assert [e["reason"] for e in kube.events] == ["ChecksPassed"]


class WebhookServer:
    """A local webhook receiver (loopback only) that records the JSON bodies it gets."""

    def __init__(self, received):
        self.received = received

    def __enter__(self):
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __exit__(self, *exc):
        self.server.shutdown()


def test_of_two_finished_runs_of_the_same_days_the_newer_one_is_published(gold_lake):
    kube = FakeKube()
    # The older run finished but was not audited yet when the newer one (auto) recomputed its days.
    gold_lake.write_run("goldpipe-nightly-old", gold_lake.days[:2])
    gold_lake.write_run("goldpipe-nightly-new", gold_lake.days)
    add_run(kube, "goldpipe-nightly-old")
    add_run(kube, "goldpipe-nightly-new")
    app(kube, "goldpipe-nightly-new")["metadata"]["creationTimestamp"] = "2026-11-22T02:00:00Z"
    processor(kube, gold_lake).reconcile()
    assert app(kube, "goldpipe-nightly-new")["metadata"]["labels"]["goldpipe.io/checks"] == "passed"
    assert app(kube, "goldpipe-nightly-old")["metadata"]["labels"]["goldpipe.io/checks"] == "failed"
    assert [r["event_date"] for r in gold_lake.main_rows("daily_sales_summary")] == list(gold_lake.days)
    assert {e["reason"] for e in kube.events} == {"ChecksPassed", "PublishConflict"}


def test_a_finished_maintenance_run_is_not_taken_for_a_gold_run():
    """Its runs carry the maintenance schedule's labels (the operator copies them): the controller
    neither audits nor labels them, and lists no lakehouse for them."""
    from goldpipe.deploy.render.maintenance import render_maintenance

    kube = FakeKube()
    [schedule] = render_maintenance(settings())
    run = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {"name": "goldpipe-maintenance-1", "labels": schedule["metadata"]["labels"]},
        "spec": schedule["spec"]["template"],
        "status": {"applicationState": {"state": "COMPLETED"}},
    }
    kube.objects.setdefault(SPARK_APPS, {})[run["metadata"]["name"]] = run

    def no_catalog(_):
        raise AssertionError("a maintenance run must not be audited")

    processor_ = RunProcessor(kube=kube, settings=settings, catalog=no_catalog, metrics=Metrics())
    processor_.reconcile()
    assert kube.writes == [] and kube.events == []
