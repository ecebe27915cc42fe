"""The nightly schedule fires on the real node: the Spark Operator's pod submits, the driver creates
two executor pods through the API server with the narrowed Spark Role, both register with the
driver over the cluster's DNS and run tasks, the run completes, and the controller's pod audits,
publishes and labels it. The gold rows are those `goldpipe run-local` writes for the same silver."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.names import tag_name
from goldpipe.deploy.apps import SparkApp
from goldpipe.deploy.vocabulary import ANNOTATION_SUMMARY
from tests.node.reference import gold_rows
from tests.node.release import NAMESPACE, RELEASE, TERMINAL, Release, container_ids
from tests.support.processes import wait_until

SCHEDULE = f"{RELEASE}-nightly"


@pytest.fixture(scope="module")
def scheduled(release: Release) -> dict[str, Any]:
    """Resume the every-minute schedule for one run (the controller applies what the values say,
    so through `helm upgrade`), watch that run to its end, suspend the schedule again."""
    release.upgrade("schedules.nightly.suspend=false")
    try:
        name = wait_until(
            lambda: next(iter(a["metadata"]["name"] for a in release.json(
                "get", "sparkapplications", "-n", NAMESPACE, "-l", "goldpipe.io/run-kind=scheduled")["items"]), None),
            timeout=150,
            what="a scheduled run",
            details=release.diagnostics,
        )  # fmt: skip
    finally:
        release.upgrade()  # suspended again: one run is the test
    driver: dict[str, Any] = {}

    def finished() -> bool:
        for pod in release.pods(f"sparkoperator.k8s.io/app-name={name},spark-role=driver"):
            driver.update(pod)
        return release.state(name) in TERMINAL

    executors = release.watch_executors(name, finished)
    return {"name": name, "app": release.app(name), "executors": executors, "driver": driver}


def test_the_run_completes_with_two_executors_run_as_containers(scheduled: dict[str, Any]) -> None:
    app = scheduled["app"]
    assert app["status"]["applicationState"]["state"] == "COMPLETED", app["status"]
    executors = scheduled["executors"]
    assert len(executors) == 2, sorted(executors)
    for pod in [scheduled["driver"], *executors.values()]:
        ids = container_ids(pod)
        assert ids and all(i.startswith("containerd://") for i in ids), pod["metadata"]["name"]
        assert pod["spec"]["nodeName"] == "goldpipe-node"
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        [container] = pod["spec"]["containers"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_both_executors_registered_with_the_driver_and_ran_tasks(
    release: Release, scheduled: dict[str, Any]
) -> None:
    events = release.spark_events(scheduled["name"])
    added = {
        e["Executor ID"]: e["Executor Info"]["Host"]
        for e in events
        if e["Event"] == "SparkListenerExecutorAdded"
    }
    assert len(added) == 2, added
    # Each executor's host is its own pod's address on the bridge.
    pod_ips = {p["status"]["podIP"] for p in scheduled["executors"].values()}
    assert set(added.values()) == pod_ips
    ran = {e["Task Info"]["Executor ID"] for e in events if e["Event"] == "SparkListenerTaskEnd"}
    assert set(added) <= ran, (added, ran)
    assert "driver" not in ran


def test_the_controller_pod_audits_publishes_and_labels_the_run(
    release: Release, scheduled: dict[str, Any], days: tuple[dt.date, ...]
) -> None:
    name = scheduled["name"]
    assert release.wait_checks_label(name) == "passed"
    assert [e["reason"] for e in release.events(name)] == ["ChecksPassed"]
    table = release.kubectl("get", "sparkapplications", "-n", NAMESPACE, "-L", "goldpipe.io/checks").stdout
    [row] = [line for line in table.splitlines() if line.startswith(name)]
    assert row.split()[-1] == "passed" and "COMPLETED" in row
    # `auto` on empty gold: the days silver has; main of every table at the run's tagged head.
    catalog = release.catalog()
    run_id = SparkApp(release.app(name) or {}).run_id
    assert run_id.startswith(f"{name}-")  # the submission's id: a rerun is a run of its own
    for job in JOB_NAMES:
        refs = catalog.load_table(GOLD_TABLES[job].identifier).metadata.refs
        assert refs["main"].snapshot_id == refs[tag_name(run_id)].snapshot_id, job
    annotations = (release.app(name) or {})["metadata"]["annotations"]
    assert all(day.isoformat() in annotations[ANNOTATION_SUMMARY] for day in days)


def test_the_driver_log_shows_goldpipes_lines(
    release: Release, scheduled: dict[str, Any], days: tuple[dt.date, ...]
) -> None:
    name = scheduled["name"]
    log = release.driver_log(name)
    run_id = SparkApp(release.app(name) or {}).run_id  # the name and the submission: the id it wrote under
    assert f"goldpipe.job: run {run_id}: {len(days)} day(s) {days[0]}..{days[-1]}" in log
    assert "left on branch audit_" in log
    assert "Traceback" not in log


def test_the_gold_rows_equal_those_of_run_local(
    release: Release, scheduled: dict[str, Any], reference: Any, days: tuple[dt.date, ...]
) -> None:
    cluster = release.catalog()
    for job in JOB_NAMES:
        for day in days:
            expected = gold_rows(reference, job, day)
            assert expected, (job, day)
            assert gold_rows(cluster, job, day) == expected, (job, day)
