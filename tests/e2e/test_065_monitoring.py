"""Monitoring on the real API server: the chart refuses its ServiceMonitor and PrometheusRule while
the cluster does not serve monitoring.coreos.com/v1, and once the Prometheus Operator's CRDs
(v0.85.0, scripts/install-tools.sh monitoring) are in, the API server accepts both. A real
Prometheus then scrapes the controller and evaluates the rules as the API server holds them: a run
failing a blocking check fires GoldpipeBlockingCheckFailed, a clean rerun clears it. Leaves the
release as it found it (monitoring off); the CRDs stay, as they would in a cluster."""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from tests.conftest import require
from tests.e2e.conftest import E2E, LABEL_CHECKS
from tests.e2e.controlplane import ROOT
from tests.e2e.deployment import NAMESPACE, RELEASE, one_off_run
from tests.support.processes import wait_until
from tests.support.prometheus import Target, prometheus_server

MONITORING_CRDS = ROOT / ".tools" / "monitoring-crds"
CONTROLLER = f"{RELEASE}-controller"
ON = ("monitoring.serviceMonitor.enabled=true", "monitoring.prometheusRule.enabled=true")
JOB = "daily_sales_summary"


def _established(e2e: E2E, crd: str) -> bool:
    status = (e2e.plane.get("crd", crd) or {}).get("status") or {}
    return any(c["type"] == "Established" and c["status"] == "True" for c in status.get("conditions", []))


def _late_order(catalog: Any, day: dt.date, order_id: str) -> None:
    """A late, valid order of ``day`` in silver after the run: gold no longer reconciles."""
    orders = catalog.load_table("silver.orders")
    rows = orders.scan().to_arrow()
    [late] = [r for r in rows.to_pylist() if r["order_ts"].date() == day and r["status"] == "paid"][:1]
    late.update(order_id=order_id, ingested_at=dt.datetime.now(dt.UTC))
    orders.append(pa.Table.from_pylist([late], schema=rows.schema))


def test_monitoring_on_the_api_server_and_an_alert_through_a_real_prometheus(
    e2e: E2E, tmp_path: Path
) -> None:
    require("monitoring", any(MONITORING_CRDS.glob("*.yaml")), "run scripts/install-tools.sh monitoring")
    prometheus_binary = shutil.which("prometheus")
    require("monitoring", prometheus_binary is not None, "run scripts/install-packages.sh monitoring")
    assert prometheus_binary is not None
    deployment = e2e.deployment

    # Without the Monitoring API the upgrade fails, saying so; the release is unchanged.
    refused = deployment.helm(
        "upgrade", RELEASE, str(ROOT), "-n", NAMESPACE, *deployment.values_args(*ON), check=False
    )
    assert refused.returncode != 0
    assert "does not serve monitoring.coreos.com/v1" in refused.stderr

    e2e.plane.kubectl("apply", "--server-side", "-f", str(MONITORING_CRDS.resolve()))
    for crd in ("servicemonitors", "prometheusrules"):
        wait_until(
            functools.partial(_established, e2e, f"{crd}.monitoring.coreos.com"),
            timeout=60,
            what=f"CRD {crd}",
        )
    try:
        deployment.upgrade(*ON)
        monitor = e2e.plane.get("servicemonitor", CONTROLLER, NAMESPACE)
        rule = e2e.plane.get("prometheusrule", CONTROLLER, NAMESPACE)
        assert monitor is not None and rule is not None  # accepted by the API server's CRD schemas
        rules = tmp_path / "rules.yaml"
        rules.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))

        target = Target(CONTROLLER, f"127.0.0.1:{deployment.port}", {"namespace": NAMESPACE})
        with prometheus_server(Path(prometheus_binary), [target], [rules], tmp_path) as prometheus:
            wait_until(
                lambda: prometheus.query(f'up{{job="{CONTROLLER}"}} == 1'), timeout=60, what="a scrape"
            )
            day = e2e.days[0]
            name = one_off_run(JOB, day)
            deployment.stop_controller()
            try:
                proc = deployment.goldpipe(
                    "run", JOB, "--date", day.isoformat(), "-n", NAMESPACE, "--replace", "--wait",
                    "--poll-seconds", "2",
                )  # fmt: skip
                assert proc.returncode == 0, proc.stdout + proc.stderr
                _late_order(e2e.catalog(), day, "e2e-monitoring-late-order")
            finally:
                deployment.start_controller()
            assert e2e.wait_checks_label(name)["metadata"]["labels"][LABEL_CHECKS] == "failed"
            [firing] = wait_until(
                lambda: [
                    a for a in prometheus.firing("GoldpipeBlockingCheckFailed") if a["labels"]["table"] == JOB
                ],
                timeout=120,
                what="GoldpipeBlockingCheckFailed",
                details=deployment.controller_log,
            )
            assert firing["annotations"]["runbook_url"].endswith("#goldpipeblockingcheckfailed")

            # The same day again, silver unchanged during the run: it passes, is published, clears.
            proc = deployment.goldpipe(
                "run",
                JOB,
                "--date",
                day.isoformat(),
                "-n",
                NAMESPACE,
                "--replace",
                "--wait",
                "--poll-seconds",
                "2",
            )
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert e2e.wait_checks_label(name)["metadata"]["labels"][LABEL_CHECKS] != "failed"
            wait_until(
                lambda: (
                    not [
                        a
                        for a in prometheus.firing("GoldpipeBlockingCheckFailed")
                        if a["labels"]["table"] == JOB
                    ]
                ),
                timeout=120,
                what="the alert to clear",
            )
    finally:
        deployment.upgrade()
    assert e2e.plane.get("servicemonitor", CONTROLLER, NAMESPACE) is None
    assert e2e.plane.get("prometheusrule", CONTROLLER, NAMESPACE) is None
