"""`helm upgrade` changes what the controller applies; the maintenance schedule fires, its run is
never audited but reported: an Event with what it did to each table. (A gold schedule firing, its run audited, published and posted, is the node
tier's: tests/node/test_02_scheduled_run.py, with real pods.)"""

from __future__ import annotations

from typing import Any

from goldpipe.checks.history import results_table
from goldpipe.core.maintenance_report import REPORT_PROPERTY, parse_record
from goldpipe.deploy.vocabulary import LABEL_COMPONENT, LABEL_MAINTENANCE_RESULT, MAINTENANCE_COMPONENT
from tests.e2e.conftest import E2E, LABEL_CHECKS
from tests.e2e.deployment import NAMESPACE, RELEASE, SCHEDULE
from tests.support.processes import wait_until


def _schedule(e2e: E2E, name: str = SCHEDULE) -> dict[str, Any] | None:
    return e2e.plane.get("scheduledsparkapplication", name, NAMESPACE)


def _executor(e2e: E2E) -> dict[str, Any]:
    live = _schedule(e2e)
    assert live is not None
    return dict(live["spec"]["template"]["executor"])


def _reported(e2e: E2E, name: str) -> dict[str, Any] | None:
    """The SparkApplication once the controller has reported it (None before)."""
    app = e2e.plane.get("sparkapplication", name, NAMESPACE)
    return app if app and LABEL_MAINTENANCE_RESULT in app["metadata"].get("labels", {}) else None


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


def test_the_maintenance_schedule_runs_its_job_is_never_audited_and_is_reported(e2e: E2E) -> None:
    name = f"{RELEASE}-maintenance"
    # A table to maintain (created as the controller creates it): its report is read back below.
    results_table(e2e.catalog())
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
    # Reported, not audited: the job's run id (derived in the driver) is the controller's.
    later = wait_until(
        lambda: _reported(e2e, run),
        timeout=60,
        what="the maintenance run reported",
        details=e2e.deployment.controller_log,
    )
    assert later["metadata"]["labels"][LABEL_MAINTENANCE_RESULT] == "completed"
    assert LABEL_CHECKS not in later["metadata"]["labels"]
    [event] = e2e.deployment.events(run)
    assert (event["type"], event["reason"]) == ("Normal", "MaintenanceCompleted")
    record = parse_record(e2e.catalog().load_table("audit.check_results").properties.get(REPORT_PROPERTY))
    assert record is not None and record.run_id == e2e.run_id(run)
    assert record.line() in event["message"] and "no report of this run" not in event["message"]
    # Disabled: the controller deletes the schedule; enabled again: it is back.
    e2e.deployment.upgrade("maintenance.enabled=false")
    wait_until(lambda: _schedule(e2e, name) is None, timeout=60, what="maintenance schedule deleted")
    e2e.deployment.upgrade()
    wait_until(lambda: _schedule(e2e, name), timeout=60, what="maintenance schedule applied again")
