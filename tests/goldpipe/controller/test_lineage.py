"""The controller's OpenLineage events of finished runs, received by a loopback receiver: START and
COMPLETE or FAIL per gold job, stable run ids from the SparkApplication's uid, silver inputs and
gold outputs versioned by their Iceberg snapshot ids, every check result, the schedule as parent.
A receiver that fails changes nothing about publishing, labels or the loop. Real Iceberg tables,
FakeKube for the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid

import pytest

from goldpipe.controller.finished_runs import RunProcessor
from goldpipe.controller.metrics import Metrics
from goldpipe.core.contract import JOB_INPUTS, JOB_NAMES
from goldpipe.core.names import tag_name
from goldpipe.deploy.apps import SparkApp
from goldpipe.lineage.config import LineageConfig
from goldpipe.lineage.emitter import LineageEmitter
from tests.fakes.kube import FakeKube
from tests.goldpipe.conftest import NOW
from tests.support.controller_runs import add_run as add_any_run
from tests.support.controller_runs import app, settings
from tests.support.lineage_receiver import lineage_receiver


def processor(kube, lake, url, timeout=1.0):
    config = dataclasses.replace(
        settings(),
        lineage=LineageConfig(enabled=True, namespace="goldpipe", url=url, timeout_seconds=timeout),
    )
    metrics = Metrics()
    return RunProcessor(
        kube=kube,
        settings=lambda: config,
        catalog=lambda _: lake.catalog,
        metrics=metrics,
        clock=lambda: NOW,
        lineage=LineageEmitter(count=lambda r: metrics.lineage_events.labels(result=r).inc()),
    )


def add_run(kube, name, state="COMPLETED"):
    """A run of the schedule `nightly`, labelled as the operator copies the schedule's labels."""
    add_any_run(kube, name, state)
    app(kube, name)["metadata"]["labels"]["goldpipe.io/run-kind"] = "scheduled"


def sent(proc: RunProcessor, result: str = "sent") -> float:
    return proc.metrics.registry.get_sample_value("goldpipe_lineage_events_total", {"result": result}) or 0


def test_a_published_run_sends_start_and_complete_per_job(gold_lake):
    kube = FakeKube()
    name = "goldpipe-nightly-1"
    gold_lake.write_run(name, gold_lake.days)
    add_run(kube, name)
    # Submitted after silver was seeded (the inputs' versions are the snapshots current then).
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    status = app(kube, name)["status"]
    status["lastSubmissionAttemptTime"] = started.isoformat().replace("+00:00", "Z")
    status["terminationTime"] = (started + dt.timedelta(minutes=20)).isoformat().replace("+00:00", "Z")
    with lineage_receiver("ok") as receiver:
        proc = processor(kube, gold_lake, receiver.url)
        proc.reconcile()
        assert proc.lineage.flush(20)
    assert app(kube, name)["metadata"]["labels"]["goldpipe.io/checks"] in ("passed", "warning")
    events = receiver.events
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        (job, state) for job in JOB_NAMES for state in ("START", "COMPLETE")
    ]
    assert sent(proc) == 8
    by_job = {e["job"]["name"]: e for e in events if e["eventType"] == "COMPLETE"}
    start = next(e for e in events if e["eventType"] == "START")
    assert start["eventTime"] == started.isoformat()
    assert by_job[JOB_NAMES[0]]["eventTime"] == (started + dt.timedelta(minutes=20)).isoformat()
    run_ids = {e["job"]["name"]: e["run"]["runId"] for e in events}
    assert len(set(run_ids.values())) == 4 and all(uuid.UUID(r) for r in run_ids.values())
    summary = by_job["daily_sales_summary"]
    assert summary["job"]["namespace"] == "goldpipe"
    parent = summary["run"]["facets"]["parent"]
    assert (parent["job"]["namespace"], parent["job"]["name"]) == ("goldpipe", "schedule.nightly")
    assert [i["name"] for i in summary["inputs"]] == [
        f"silver.{t}" for t in JOB_INPUTS["daily_sales_summary"]
    ]
    orders = gold_lake.catalog.load_table("silver.orders")
    assert summary["inputs"][0]["facets"]["version"]["datasetVersion"] == str(
        orders.current_snapshot().snapshot_id
    )
    [output] = summary["outputs"]
    table = gold_lake.catalog.load_table("gold.daily_sales_summary")
    assert output["name"] == "gold.daily_sales_summary"
    assert output["facets"]["version"]["datasetVersion"] == str(
        table.snapshot_by_name(tag_name(name)).snapshot_id
    )
    assert output["namespace"] == summary["inputs"][0]["namespace"]
    assertions = output["facets"]["dataQualityAssertions"]["assertions"]
    names = {a["assertion"] for a in assertions}
    assert {"schema", "completeness", "uniqueness"} <= names
    assert any(n.startswith("reconciliation:") for n in names)
    assert all(a["success"] for a in assertions if a["severity"] == "error")
    assert any(a["name"] == f"daily_sales_summary/completeness@{gold_lake.days[0]}" for a in assertions)

    # The same run handled again (a restarted controller before the label): the same ids.
    with lineage_receiver("ok") as again:
        other = processor(kube, gold_lake, again.url)
        other._lineage(other.settings(), SparkApp(app(kube, name)), True, None)
        assert other.lineage.flush(20)
    assert {e["job"]["name"]: e["run"]["runId"] for e in again.events} == run_ids


def test_a_run_failing_its_checks_sends_fail_with_the_failures(gold_lake):
    kube = FakeKube()
    name = "goldpipe-nightly-2"
    gold_lake.write_run(
        name,
        gold_lake.days,
        mutate=lambda job, day, rows: rows.slice(1) if job == "daily_sales_summary" else rows,
    )
    add_run(kube, name)
    with lineage_receiver("ok") as receiver:
        proc = processor(kube, gold_lake, receiver.url)
        proc.reconcile()
        assert proc.lineage.flush(20)
    ends = {e["job"]["name"]: e for e in receiver.events if e["eventType"] != "START"}
    assert {e["eventType"] for e in ends.values()} == {"FAIL"}
    failed = ends["daily_sales_summary"]
    assert "blocking checks failed" in failed["run"]["facets"]["errorMessage"]["message"]
    assertions = failed["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    assert any(not a["success"] and a["assertion"] == "completeness" for a in assertions)
    # Not published: the version is the head of the run's kept branch.
    table = gold_lake.catalog.load_table("gold.daily_sales_summary")
    heads = {str(ref.snapshot_id) for n, ref in table.metadata.refs.items() if n.startswith("audit_")}
    assert failed["outputs"][0]["facets"]["version"]["datasetVersion"] in heads


def test_a_failed_spark_run_sends_fail(gold_lake):
    kube = FakeKube()
    add_run(kube, "goldpipe-nightly-3", state="FAILED")
    with lineage_receiver("ok") as receiver:
        proc = processor(kube, gold_lake, receiver.url)
        proc.reconcile()
        assert proc.lineage.flush(20)
    assert [e["eventType"] for e in receiver.events] == ["START", "FAIL"] * 4
    assert "Spark run FAILED" in receiver.events[1]["run"]["facets"]["errorMessage"]["message"]


@pytest.mark.parametrize("mode", ["error", "slow"])
def test_a_failing_receiver_changes_nothing_about_the_run(gold_lake, mode):
    kube = FakeKube()
    name = "goldpipe-nightly-4"
    gold_lake.write_run(name, gold_lake.days)
    add_run(kube, name)
    with lineage_receiver(mode) as receiver:
        proc = processor(kube, gold_lake, receiver.url, timeout=2.0)
        started = time.monotonic()
        proc.reconcile()
        took = time.monotonic() - started
        # Published and labelled as without lineage, and the pass did not wait for the receiver
        # (8 events x 3 attempts x 2 s would be 48 s).
        assert app(kube, name)["metadata"]["labels"]["goldpipe.io/checks"] in ("passed", "warning")
        assert len(gold_lake.main_rows("daily_sales_summary")) == 3
        assert took < 20, took
        writes = list(kube.writes)
        proc.reconcile()  # the loop goes on: nothing left to do
        assert kube.writes == writes
        proc.lineage.flush(0)  # the rest is dropped with the test
    assert receiver.events == []
