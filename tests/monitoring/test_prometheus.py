"""A real Prometheus scrapes a real controller (its HTTP endpoint on 127.0.0.1, its runs audited
on real Iceberg tables, FakeKube for the API) and evaluates the chart's rendered rules: a run that
fails a blocking check makes GoldpipeBlockingCheckFailed fire, read from /api/v1/alerts with its
expanded annotations, and a clean run of the same days clears it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from goldpipe.controller.runtime import Controller, serve_http
from goldpipe.deploy.values import chart_values
from tests.chart.conftest import Rendered
from tests.fakes.kube import FakeKube
from tests.goldpipe.conftest import gold_lake  # noqa: F401 (fixture)
from tests.goldpipe.controller.conftest import write_config
from tests.monitoring.conftest import TARGET, write_rules
from tests.support.controller_runs import add_run
from tests.support.processes import free_port, wait_until
from tests.support.prometheus import Prometheus, Target, prometheus_server

pytestmark = pytest.mark.helm

TABLE = "daily_sales_summary"


def blocking_alerts(prometheus: Prometheus) -> list[dict[str, Any]]:
    return prometheus.firing("GoldpipeBlockingCheckFailed")


def test_a_failing_check_fires_the_alert_and_a_clean_run_clears_it(
    monitoring: Rendered,
    prometheus_binary: Path,
    gold_lake: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    kube = FakeKube("analytics")
    kube.add_configmap("goldpipe-config")
    write_config(tmp_path / "config", chart_values(None))
    controller = Controller(kube=kube, config_dir=tmp_path / "config", catalog=lambda _: gold_lake.catalog)
    controller.reconcile_once()
    port = free_port()
    http = serve_http(controller, port, resync_seconds=60, host="127.0.0.1")
    rules = write_rules(monitoring, tmp_path / "rules.yaml")
    target = Target(job=TARGET["job"], address=f"127.0.0.1:{port}", labels={"namespace": TARGET["namespace"]})
    try:
        with prometheus_server(prometheus_binary, [target], [rules], tmp_path) as prometheus:
            wait_until(
                lambda: prometheus.query('up{job="goldpipe-controller"} == 1'),
                timeout=60,
                what="a first scrape",
            )
            # The controller's freshness gauges reach Prometheus with the labels the rules select.
            wait_until(
                lambda: prometheus.query(
                    f'goldpipe_table_last_run_blocking_check_failures{{namespace="analytics",table="{TABLE}"}} == 0'
                ),
                timeout=30,
                what="the blocking-failure gauge at 0",
            )
            assert blocking_alerts(prometheus) == []

            bad = "goldpipe-nightly-1"
            gold_lake.write_run(
                bad, gold_lake.days, mutate=lambda job, day, rows: rows.slice(1) if job == TABLE else rows
            )
            add_run(kube, bad)
            controller.reconcile_runs()
            assert (
                kube.objects["sparkapplications"][bad]["metadata"]["labels"]["goldpipe.io/checks"] == "failed"
            )
            firing = wait_until(
                lambda: blocking_alerts(prometheus), timeout=60, what="GoldpipeBlockingCheckFailed"
            )
            # One alert per table whose latest run failed a blocking check: the summary table, and
            # any other the broken summary made fail (cross-table invariants).
            by_table = {a["labels"]["table"]: a for a in firing}
            assert TABLE in by_table, by_table
            alert = by_table[TABLE]
            assert alert["labels"] | {"severity": "critical", **TARGET} == alert["labels"]
            annotations = alert["annotations"]
            assert (
                annotations["summary"]
                == f"Blocking checks failed on gold.{TABLE}: its latest run was not published"
            )
            value = int(float(alert["value"]))
            assert value >= 1
            assert annotations["description"].startswith(f"{value} blocking check(s) failed on gold.{TABLE}")
            assert annotations["runbook_url"].endswith("docs/runbook.md#goldpipeblockingcheckfailed")
            # Nothing else is wrong: the controller is up, its config valid, no run stuck.
            assert {a["labels"]["alertname"] for a in prometheus.alerts()} == {"GoldpipeBlockingCheckFailed"}

            good = "goldpipe-nightly-2"
            gold_lake.write_run(good, gold_lake.days)
            add_run(kube, good)
            kube.objects["sparkapplications"][good]["metadata"]["creationTimestamp"] = "2026-11-21T03:00:00Z"
            controller.reconcile_runs()
            # Published (a freshness warning on these old seeded days is no blocking failure).
            assert kube.objects["sparkapplications"][good]["metadata"]["labels"]["goldpipe.io/checks"] in (
                "passed",
                "warning",
            )
            wait_until(lambda: blocking_alerts(prometheus) == [], timeout=60, what="the alert to clear")
            # Now published, the seeded days are judged by the freshness rules too: days older than
            # yesterday (UTC) make GoldpipeTableBehind pending (it fires only after behindFor).
            yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
            behind = max(gold_lake.days) < yesterday
            wait_until(
                lambda: len(prometheus.alerts()) == (4 if behind else 0),
                timeout=30,
                what="the freshness rules",
            )
            assert {(a["labels"]["alertname"], a["state"]) for a in prometheus.alerts()} <= {
                ("GoldpipeTableBehind", "pending")
            }
    finally:
        http.shutdown()
        http.server_close()
