"""Pods lost in the middle of a run on the real node: an executor deleted is replaced by Spark and
the gold is exact; the driver deleted fails the run, leaves `main` as it was, and the controller
posts RunFailed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.node.reference import gold_rows
from tests.node.release import NAMESPACE, TERMINAL, Release, one_off_run
from tests.support.processes import wait_until


def _start(release: Release, job: str, day: dt.date) -> str:
    name = one_off_run(job, day)
    proc = release.goldpipe("run", job, "--date", day.isoformat(), "-n", NAMESPACE, "--replace")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return name


def _running_executors(release: Release, name: str, count: int) -> list[dict[str, Any]]:
    def running() -> list[dict[str, Any]] | None:
        pods = [p for p in release.executors(name) if p["status"].get("phase") == "Running"]
        return pods if len(pods) >= count else None

    return wait_until(
        running, timeout=300, what=f"{count} executors of {name} running", details=release.diagnostics
    )


def test_an_executor_deleted_mid_run_is_replaced_and_the_gold_is_exact(
    release: Release, reference: Any, days: tuple[dt.date, ...]
) -> None:
    job, day = "daily_sales_summary", days[0]
    name = _start(release, job, day)
    first = _running_executors(release, name, 2)
    victim = first[0]["metadata"]["name"]
    release.kubectl("delete", "pod", victim, "-n", NAMESPACE, "--grace-period=0", "--wait=false")
    seen = release.watch_executors(name, lambda: release.state(name) in TERMINAL)
    assert release.state(name) == "COMPLETED", release.diagnostics()
    # Spark asked for a third executor to keep two.
    assert len(seen | {victim: first[0]}) >= 3, sorted(seen)
    removed = [e for e in release.spark_events(name) if e["Event"] == "SparkListenerExecutorRemoved"]
    assert removed, "the driver never noticed the executor it lost"
    assert release.wait_checks_label(name) == "passed"
    assert gold_rows(release.catalog(), job, day) == gold_rows(reference, job, day)


def test_the_driver_deleted_mid_run_fails_the_run_leaves_main_and_posts_run_failed(
    release: Release, days: tuple[dt.date, ...]
) -> None:
    job, day = "rejected_rows", days[1]
    before = release.main_snapshot(job)
    name = _start(release, job, day)
    _running_executors(release, name, 1)
    release.kubectl("delete", "pod", f"{name}-driver", "-n", NAMESPACE, "--grace-period=0", "--wait=false")
    app = release.wait_state(name, *TERMINAL)
    assert app["status"]["applicationState"]["state"] == "FAILED", app["status"]
    assert release.wait_checks_label(name) == "failed"
    assert [e["reason"] for e in release.events(name)] == ["RunFailed"]
    assert release.main_snapshot(job) == before
