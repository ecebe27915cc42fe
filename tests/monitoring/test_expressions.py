"""Every PromQL expression the chart ships, in its alerting rules and its Grafana dashboard:
parsed by the real Prometheus parser (promtool), and naming only metrics that exist: those of the
controller's own registry, the Spark Operator's (the constants of its pinned module, installed by
scripts/install-tools.sh monitoring) and Prometheus' `up`. Series of goldpipe are always selected
by namespace and job, so neither a rule nor a panel mixes two releases."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from goldpipe.controller.metrics import Metrics
from tests.chart.conftest import ROOT, Rendered, alerts
from tests.conftest import require

pytestmark = pytest.mark.helm

DASHBOARD = ROOT / "dashboards" / "goldpipe.json"
SPARK_OPERATOR_METRICS = ROOT / ".tools" / "spark-operator-metrics" / "metrics.go"
PROMETHEUS_OWN = {"up"}  # what Prometheus adds to every target


def goldpipe_metrics() -> set[str]:
    """Every series name the controller's registry can export (with the suffixes of each type)."""
    names = set()
    for family in Metrics().registry.collect():
        suffixes = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}
        names |= {family.name + s for s in suffixes.get(family.type, ("",))}
    return names


def spark_operator_metrics() -> set[str]:
    """The Spark Operator's series names, from the Metric* constants of its pkg/common/metrics.go
    (no prefix: the operator's default), with the suffixes of summaries and histograms."""
    require(
        "monitoring",
        SPARK_OPERATOR_METRICS.is_file(),
        f"{SPARK_OPERATOR_METRICS} missing: run scripts/install-tools.sh monitoring",
    )
    text = SPARK_OPERATOR_METRICS.read_text(encoding="utf-8")
    base = set(re.findall(r'^\s*Metric\w+\s*=\s*"([a-z_]+)"', text, re.M))
    assert "spark_application_running_count" in base, "the operator's metric names were not read"
    names = set(base)
    for name in base:
        if name.endswith("_histogram"):
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        elif name.endswith("_seconds"):  # summaries
            names |= {f"{name}_sum", f"{name}_count"}
    return names


def dashboard_expressions() -> list[str]:
    """The panels' queries, and the PromQL inside the variables' label_values(...)."""
    model = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in model["panels"] for t in p.get("targets", [])]
    for variable in model["templating"]["list"]:
        if variable["type"] == "query":
            match = re.fullmatch(r"label_values\((.+), *\w+\)", variable["definition"])
            assert match, variable["definition"]
            exprs.append(match.group(1))
    return exprs


def selectors(expr: str) -> list[promql_parser.VectorSelector]:
    found: list[promql_parser.VectorSelector] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.append(node)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def unknown_metrics(expr: str, known: set[str]) -> set[str]:
    return {s.name for s in selectors(expr) if s.name not in known}


@pytest.fixture(scope="module")
def expressions(monitoring: Rendered) -> dict[str, str]:
    """Where -> expression, for every rule and panel."""
    exprs = {f"rule {r['alert']} #{i}": r["expr"] for i, r in enumerate(alerts(monitoring))}
    exprs |= {f"dashboard #{i}": e for i, e in enumerate(dashboard_expressions())}
    assert len(exprs) > 25
    return exprs


def test_every_expression_parses_in_prometheus(
    expressions: dict[str, str], promtool: Path, tmp_path: Path
) -> None:
    """As recording rules, `promtool check rules` parses each with Prometheus' own parser."""
    rules = [{"record": f"goldpipe:expression_{i}", "expr": e} for i, e in enumerate(expressions.values())]
    path = tmp_path / "expressions.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "expressions", "rules": rules}]}))
    proc = subprocess.run(
        [str(promtool), "check", "rules", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {len(rules)} rules found" in proc.stdout


def test_every_expression_names_only_exported_metrics(expressions: dict[str, str]) -> None:
    known = goldpipe_metrics() | spark_operator_metrics() | PROMETHEUS_OWN
    unknown = {
        where: sorted(names) for where, e in expressions.items() if (names := unknown_metrics(e, known))
    }
    assert unknown == {}
    used = {s.name for e in expressions.values() for s in selectors(e)}
    # The freshness gauges and the run metrics are what the rules and panels are about.
    assert {
        "goldpipe_table_last_published_timestamp_seconds",
        "goldpipe_table_newest_day_timestamp_seconds",
        "goldpipe_table_last_run_blocking_check_failures",
        "goldpipe_runs_failed_total",
        "goldpipe_run_duration_seconds_sum",
        "spark_application_running_count",
    } <= used


def test_the_check_finds_a_metric_nobody_exports() -> None:
    known = goldpipe_metrics()
    assert unknown_metrics('sum(goldpipe_table_freshness_seconds{job="x"}) > 0', known) == {
        "goldpipe_table_freshness_seconds"
    }
    assert unknown_metrics("rate(goldpipe_reconcile_total[5m])", known) == set()


def test_goldpipe_series_are_selected_by_namespace_and_job(expressions: dict[str, str]) -> None:
    for where, expr in expressions.items():
        for selector in selectors(expr):
            if not (selector.name or "").startswith("goldpipe_") and selector.name != "up":
                continue
            # MatchOp is not hashable: compare its names.
            matchers = {(m.name, str(m.op)) for m in selector.matchers.matchers}
            if where.startswith("dashboard") and selector.name == "goldpipe_config_valid":
                continue  # the variables' own queries list the namespaces and jobs
            equal = str(promql_parser.MatchOp.Equal)
            assert {("namespace", equal), ("job", equal)} <= matchers, (where, expr)
