"""`helm upgrade` changes what the controller applies; the maintenance schedule fires and its run
is never audited. (A gold schedule firing, its run audited, published and posted, is the node
tier's: tests/node/test_02_scheduled_run.py, with real pods.)"""

from __future__ import annotations

import time
from typing import Any

from goldpipe.deploy.vocabulary import LABEL_COMPONENT, MAINTENANCE_COMPONENT
from tests.e2e.conftest import E2E, LABEL_CHECKS
from tests.e2e.deployment import NAMESPACE, RELEASE, SCHEDULE
from tests.support.processes import wait_until


def _schedule(e2e: E2E, name: str = SCHEDULE) -> dict[str, Any] | None:
    return e2e.plane.get("scheduledsparkapplication", name, NAMESPACE)


def _executor(e2e: E2E) -> dict[str, Any]:
    live = _schedule(e2e)
    assert live is not None
    return dict(live["spec"]["template"]["executor"])


def test_helm_upgrade_with_other_executors_changes_the_applied_spec(e2e: E2E) -> None:
    e2e.deployment.upgrade("defaults.executor.instances=3", "defaults.executor.memory=768m")
    wait_until(
        lambda: (e := _executor(e2e))["instances"] == 3 and e["memory"] == "768m",
        timeout=60,
        what="rescaled executors applied",
        details=e2e.deployment.controller_log,
    )
    e2e.deployment.upgrade()
    wait_until(
        lambda: (e := _executor(e2e))["instances"] == 1 and e["memory"] == "512m",
        timeout=60,
        what="executors back to the values file",
        details=e2e.deployment.controller_log,
    )


def test_a_schedule_removed_from_the_values_is_deleted(e2e: E2E) -> None:
    split = (
        "schedules.nightly.jobs={daily_sales_summary,daily_customer_analytics,product_performance_analytics}",
        "schedules.rejects.jobs={rejected_rows}",
        "schedules.rejects.schedule=30 3 * * *",
        "schedules.rejects.suspend=true",
    )
    e2e.deployment.upgrade(*split)
    wait_until(lambda: _schedule(e2e, f"{RELEASE}-rejects"), timeout=60, what="second schedule applied")
    e2e.deployment.upgrade()
    wait_until(
        lambda: _schedule(e2e, f"{RELEASE}-rejects") is None,
        timeout=60,
        what="removed schedule deleted",
        details=e2e.deployment.controller_log,
    )
    live = _schedule(e2e)
    assert live is not None and "rejected_rows" in live["spec"]["template"]["arguments"][1]


def test_the_maintenance_schedule_runs_its_job_and_is_never_audited(e2e: E2E) -> None:
    name = f"{RELEASE}-maintenance"
    live = wait_until(lambda: _schedule(e2e, name), timeout=60, what="maintenance schedule applied")
    assert live["metadata"]["labels"][LABEL_COMPONENT] == MAINTENANCE_COMPONENT
    assert live["spec"]["template"]["mainApplicationFile"].endswith("/spark_apps/maintenance.py")
    e2e.deployment.upgrade("maintenance.suspend=false")
    live = wait_until(
        lambda: (s := _schedule(e2e, name)) and (s.get("status") or {}).get("lastRunName") and s,
        timeout=150,
        what="the maintenance schedule fired",
        details=e2e.diagnostics,
    )
    run = live["status"]["lastRunName"]
    e2e.deployment.upgrade()  # suspended again
    app = e2e.wait_state(run, "COMPLETED", "FAILED", "SUBMISSION_FAILED")
    assert app["status"]["applicationState"]["state"] == "COMPLETED", e2e.diagnostics()
    [execution] = e2e.runner.executions_of(run)
    assert execution.exit_code == 0
    # The controller polls finished runs every second: a few polls later, still no audit.
    time.sleep(5)
    later = e2e.plane.get("sparkapplication", run, NAMESPACE)
    assert later is not None and LABEL_CHECKS not in later["metadata"].get("labels", {})
    assert not e2e.deployment.events(run)
    # Disabled: the controller deletes the schedule; enabled again: it is back.
    e2e.deployment.upgrade("maintenance.enabled=false")
    wait_until(lambda: _schedule(e2e, name) is None, timeout=60, what="maintenance schedule deleted")
    e2e.deployment.upgrade()
    wait_until(lambda: _schedule(e2e, name), timeout=60, what="maintenance schedule applied again")
