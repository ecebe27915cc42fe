"""Rescale by editing the values: `helm upgrade` to three executors and the next run has three
executor pods; dynamic allocation (shuffle tracking, min 0, max 3) as values.yaml documents it."""

from __future__ import annotations

import datetime as dt

from tests.node.release import NAMESPACE, TERMINAL, Release, one_off_run


def _run(release: Release, job: str, day: dt.date) -> tuple[str, int]:
    """A one-off `goldpipe run`; its name and the executor pods seen while it ran."""
    name = one_off_run(job, day)
    proc = release.goldpipe("run", job, "--date", day.isoformat(), "-n", NAMESPACE, "--replace")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    executors = release.watch_executors(name, lambda: release.state(name) in TERMINAL)
    assert release.state(name) == "COMPLETED", release.diagnostics()
    return name, len(executors)


def test_helm_upgrade_to_three_executors_gives_the_next_run_three(
    release: Release, days: tuple[dt.date, ...]
) -> None:
    release.upgrade("defaults.executor.instances=3")
    name, executors = _run(release, "product_performance_analytics", days[1])
    assert executors == 3
    added = [e for e in release.spark_events(name) if e["Event"] == "SparkListenerExecutorAdded"]
    assert len(added) == 3


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
