"""Runs that go wrong: a Spark job that fails, output that fails a blocking check. Neither may move
main; both are posted. And the driver pods meet restricted Pod Security through the pod template."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pyarrow as pa
import yaml

from goldpipe.core.contract import GOLD_TABLES
from goldpipe.core.names import branch_name
from tests.e2e.conftest import E2E, LABEL_CHECKS
from tests.e2e.deployment import NAMESPACE, RELEASE, one_off_run
from tests.e2e.pod_runner import DRIVER_SELECTOR


def test_a_failed_spark_job_ends_failed_posts_run_failed_and_leaves_main(e2e: E2E) -> None:
    job, day = "daily_customer_analytics", e2e.days[0]
    name = one_off_run(job, day)
    before = e2e.main_snapshot(job)
    catalog = e2e.catalog()
    # Silver broken for the duration of the run: the job exits 1 naming the missing table.
    catalog.rename_table("silver.orders", "silver.orders_hidden")
    try:
        proc = e2e.deployment.goldpipe(
            "run", job, "--date", day.isoformat(), "-n", NAMESPACE, "--wait", "--poll-seconds", "2"
        )
    finally:
        catalog.rename_table("silver.orders_hidden", "silver.orders")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{name}: FAILED" in proc.stdout
    [execution] = e2e.runner.executions_of(name)
    assert execution.exit_code == 1 and execution.log is not None
    driver_log = execution.log.read_text(encoding="utf-8")
    assert "silver.orders" in driver_log and "Traceback" not in driver_log
    app = e2e.wait_checks_label(name)
    assert app["metadata"]["labels"][LABEL_CHECKS] == "failed"
    assert "driver container failed with ExitCode: 1" in app["status"]["applicationState"].get(
        "errorMessage", ""
    )
    assert [e["reason"] for e in e2e.deployment.events(name)] == ["RunFailed"]
    assert e2e.main_snapshot(job) == before


def _add_order(catalog: Any, day: dt.date) -> None:
    """A late, valid order for ``day``: silver changed after the run, gold no longer reconciles."""
    orders = catalog.load_table("silver.orders")
    rows = orders.scan().to_arrow()
    [late] = [
        r
        for r in rows.to_pylist()
        if r["order_ts"].date() == day and r["status"] == "paid" and r["customer_id"]
    ][:1]
    late.update(order_id="e2e-late-order", ingested_at=dt.datetime.now(dt.UTC))
    orders.append(pa.Table.from_pylist([late], schema=rows.schema))


def test_a_run_failing_a_blocking_check_posts_checks_failed_and_leaves_main(e2e: E2E) -> None:
    job, day = "daily_sales_summary", e2e.days[0]
    name = one_off_run(job, day)
    before = e2e.main_snapshot(job)
    e2e.deployment.stop_controller()
    try:
        proc = e2e.deployment.goldpipe(
            "run", job, "--date", day.isoformat(), "-n", NAMESPACE, "--wait", "--poll-seconds", "2"
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        _add_order(e2e.catalog(), day)
    finally:
        e2e.deployment.start_controller()
    app = e2e.wait_checks_label(name)
    assert app["metadata"]["labels"][LABEL_CHECKS] == "failed"
    [event] = e2e.deployment.events(name)
    assert event["reason"] == "ChecksFailed" and event["type"] == "Warning"
    assert "reconciliation" in event["message"]
    assert e2e.main_snapshot(job) == before
    table = e2e.catalog().load_table(GOLD_TABLES[job].identifier)
    assert branch_name(e2e.run_id(name)) in table.metadata.refs  # kept for debugging


def test_driver_pods_pass_restricted_pod_security_through_their_pod_template(e2e: E2E) -> None:
    pods = e2e.plane.items("pods", NAMESPACE, DRIVER_SELECTOR)
    assert pods
    for pod in pods:
        spec = pod["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        [container] = spec["containers"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        claims = {
            v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v
        }
        assert claims == {f"{RELEASE}-lakehouse"}
    # The admission is real: the same pod without what the template adds is refused.
    probe = copy.deepcopy(pods[0])
    probe["metadata"] = {"name": "pss-probe", "namespace": NAMESPACE}
    probe.pop("status")
    probe["spec"].pop("securityContext")
    probe["spec"]["containers"][0].pop("securityContext")
    proc = e2e.plane.kubectl(
        "create", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(probe), check=False
    )
    assert proc.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in proc.stderr
    for field in ("allowPrivilegeEscalation != false", "unrestricted capabilities", "runAsNonRoot != true"):
        assert field in proc.stderr
