"""Rescale by editing the values: `helm upgrade` to three executors (and native execution by
Comet) and the next run, started by `goldpipe run --wait` as a user does, has three executor
pods running Comet's operators; dynamic allocation (shuffle
tracking, min 0, max 3) as values.yaml documents it."""

from __future__ import annotations

import datetime as dt
import subprocess

from tests.node.release import GOLDPIPE, NAMESPACE, TERMINAL, Release, one_off_run


def _run(release: Release, job: str, day: dt.date) -> tuple[str, int]:
    """`goldpipe run --wait`, watched while it waits; the run's name and the executor pods seen."""
    name = one_off_run(job, day)
    args = [
        str(GOLDPIPE),
        "run",
        job,
        "--date",
        day.isoformat(),
        "-n",
        NAMESPACE,
        "--wait",
        "--poll-seconds",
        "2",
    ]
    with subprocess.Popen(
        args, env=release.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        seen = release.watch_executors(
            name, lambda: proc.poll() is not None or release.state(name) in TERMINAL
        )
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stdout + stderr
    assert stdout.splitlines() == [f"created SparkApplication {name} in {NAMESPACE}", f"{name}: COMPLETED"]
    return name, len(seen)


def test_helm_upgrade_to_three_executors_gives_the_next_run_three(
    release: Release, days: tuple[dt.date, ...]
) -> None:
    # With native execution on: Comet's jar is in the Spark image, the values turn it on.
    release.upgrade("defaults.executor.instances=3", "spark.nativeExecution=true")
    name, executors = _run(release, "product_performance_analytics", days[1])
    assert executors == 3
    events = release.spark_events(name)
    added = [e for e in events if e["Event"] == "SparkListenerExecutorAdded"]
    assert len(added) == 3
    # Comet's operators ran in the executors (its scans, shuffles and aggregations in the plans).
    plans = [e.get("physicalPlanDescription", "") for e in events if e["Event"].endswith("SQLExecutionStart")]
    assert any("CometIcebergNativeScan" in p for p in plans), plans
    assert any("CometHashAggregate" in p for p in plans), plans
    assert release.wait_checks_label(name) == "passed"
    again = release.goldpipe(
        "run", "product_performance_analytics", "--date", days[1].isoformat(), "-n", NAMESPACE
    )
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"error: SparkApplication {name} already exists (COMPLETED); pass --replace to run the day again"
    )


def test_dynamic_allocation_scales_executors_between_its_bounds(
    release: Release, days: tuple[dt.date, ...]
) -> None:
    release.upgrade(
        "defaults.dynamicAllocation.enabled=true",
        "defaults.dynamicAllocation.initialExecutors=0",
        "defaults.dynamicAllocation.minExecutors=0",
        "defaults.dynamicAllocation.maxExecutors=3",
    )
    try:
        name, executors = _run(release, "daily_customer_analytics", days[1])
        app = release.app(name)
        assert app is not None
        assert app["spec"]["dynamicAllocation"] == {
            "enabled": True, "initialExecutors": 0, "minExecutors": 0, "maxExecutors": 3,
            "shuffleTrackingEnabled": True,
        }  # fmt: skip
        # Started with none; the driver asked for executors as tasks waited, never more than 3.
        assert 1 <= executors <= 3
        events = release.spark_events(name)
        conf = next(e["Spark Properties"] for e in events if e["Event"] == "SparkListenerEnvironmentUpdate")
        assert conf["spark.dynamicAllocation.enabled"] == "true"
        assert conf["spark.dynamicAllocation.shuffleTracking.enabled"] == "true"
        assert conf["spark.dynamicAllocation.maxExecutors"] == "3"
        assert any(e["Event"] == "SparkListenerExecutorAdded" for e in events)
    finally:
        release.upgrade("defaults.executor.instances=2")
