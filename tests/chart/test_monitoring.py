"""The chart's opt-in monitoring: ServiceMonitor, PrometheusRule and the Grafana dashboard
ConfigMap, rendered by the pinned helm, checked against the Prometheus Operator's own CRDs and
against docs/runbook.md. The rules' behaviour is tested by promtool and a real Prometheus
(tests/monitoring)."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
import yaml

from goldpipe.deploy.render.crds import strict_schema
from tests.chart.conftest import (
    MONITORING_APIS,
    NAMESPACE,
    PRODUCTION,
    ROOT,
    Helm,
    Rendered,
    alerts,
    render_monitoring,
)
from tests.conftest import require
from tests.support.alerts import ALERTS

pytestmark = pytest.mark.helm

MONITORING_CRDS = ROOT / ".tools" / "monitoring-crds"
RUNBOOK = ROOT / "docs" / "runbook.md"
DASHBOARD = ROOT / "dashboards" / "goldpipe.json"


def crd_schema(kind: str) -> dict[str, Any]:
    """The strict v1 schema of a Prometheus Operator kind, from the pinned module's CRDs."""
    require(
        "monitoring",
        any(MONITORING_CRDS.glob("*.yaml")),
        f"{MONITORING_CRDS} has no CRDs: run scripts/install-tools.sh monitoring",
    )
    for path in MONITORING_CRDS.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        if crd["spec"]["names"]["kind"] == kind:
            [v1] = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
            schema: dict[str, Any] = strict_schema(v1["schema"]["openAPIV3Schema"])
            return schema
    raise AssertionError(f"no CRD of {kind} in {MONITORING_CRDS}")


def test_off_by_default(defaults: Rendered, production: Rendered) -> None:
    for rendered in (defaults, production):
        assert not {"ServiceMonitor", "PrometheusRule"} & rendered.kinds()
        assert [c["metadata"]["name"] for c in rendered.of_kind("ConfigMap")] == ["goldpipe-config"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("serviceMonitor", "ServiceMonitor"), ("prometheusRule", "PrometheusRule")],
)
def test_enabled_without_the_monitoring_api_fails_and_says_what_to_do(
    helm: Helm, value: str, kind: str
) -> None:
    error = helm.template_error(values={"monitoring": {value: {"enabled": True}}})
    assert (
        f"monitoring.{value}.enabled is true, but the cluster does not serve monitoring.coreos.com/v1 {kind}"
        in error
    )
    assert f"--api-versions monitoring.coreos.com/v1/{kind}" in error


def test_the_dashboard_needs_no_monitoring_api(helm: Helm) -> None:
    rendered = helm.template(values={"monitoring": {"dashboard": {"enabled": True}}})
    assert "goldpipe-dashboard" in [c["metadata"]["name"] for c in rendered.of_kind("ConfigMap")]


@pytest.mark.parametrize("kind", ["ServiceMonitor", "PrometheusRule"])
def test_accepted_by_the_prometheus_operator_crds(monitoring: Rendered, kind: str) -> None:
    [doc] = monitoring.of_kind(kind)
    # The API server's structural schema is OpenAPI, not a JSON Schema draft: no meta-schema check
    # (its patterns are Go's RE2, e.g. `(?i)` mid-pattern, which only the fields we set must pass).
    validator = jsonschema.Draft7Validator(crd_schema(kind))
    validator.validate(doc)
    broken = json.loads(json.dumps(doc))
    broken["spec"]["unknownField"] = 1  # the schema is really strict: this must fail
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


def test_service_monitor_scrapes_the_controller_service(monitoring: Rendered) -> None:
    [monitor] = monitoring.of_kind("ServiceMonitor")
    service = monitoring.get("Service", "goldpipe-controller")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] in [p["name"] for p in service["spec"]["ports"]]
    assert (endpoint["path"], endpoint["interval"], endpoint["scrapeTimeout"]) == ("/metrics", "30s", "10s")


def runbook_sections() -> set[str]:
    return {m.group(1) for m in re.finditer(r"^## (\S+)$", RUNBOOK.read_text(encoding="utf-8"), re.M)}


def test_every_alert_has_summary_description_and_a_runbook_section(monitoring: Rendered) -> None:
    rules = alerts(monitoring)
    assert {r["alert"] for r in rules} == ALERTS
    sections = runbook_sections()
    assert sections == ALERTS  # and the runbook documents no alert that does not exist
    for rule in rules:
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"], rule["alert"]
        base, _, anchor = annotations["runbook_url"].partition("#")
        assert base == "https://github.com/goldpipe/goldpipe/blob/main/docs/runbook.md"
        assert anchor == rule["alert"].lower(), rule["alert"]  # GitHub's anchor of "## <alert>"
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert 'namespace="analytics"' in rule["expr"] and 'job="goldpipe-controller"' in rule["expr"]


def test_freshness_alerts_follow_the_checks_values(helm: Helm) -> None:
    """One pair per scheduled job with freshness on; thresholds from `checks` (defaults, then the
    job's own), like the freshness check's."""
    values = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))
    values.setdefault("checks", {})["jobs"] = {
        "daily_sales_summary": {"freshness": {"allowedLagDays": 2, "commitSlaHours": 50}},
        "rejected_rows": {"freshness": {"enabled": False}},
    }
    rendered = render_monitoring(helm, values)
    by_table: dict[str, dict[str, str]] = {}
    for rule in alerts(rendered):
        match = re.search(r'table="([a-z_]+)"', rule["expr"])
        if match:
            by_table.setdefault(match.group(1), {})[rule["alert"]] = rule["expr"]
    assert set(by_table) == {
        "daily_sales_summary",
        "daily_customer_analytics",
        "product_performance_analytics",
    }
    summary = by_table["daily_sales_summary"]
    assert summary["GoldpipeTableNotPublished"].endswith("> 50 * 3600")
    assert summary["GoldpipeTableBehind"].endswith("< time() - time() % 86400 - (1 + 2) * 86400")
    assert by_table["daily_customer_analytics"]["GoldpipeTableNotPublished"].endswith("> 30 * 3600")


def test_alert_labels_and_rule_labels(helm: Helm) -> None:
    rendered = render_monitoring(
        helm,
        {
            "monitoring": {
                "prometheusRule": {
                    "labels": {"release": "kps"},
                    "alertLabels": {"team": "data", "severity": "page"},
                },
                "serviceMonitor": {"labels": {"release": "kps"}},
            }
        },
    )
    assert rendered.of_kind("PrometheusRule")[0]["metadata"]["labels"]["release"] == "kps"
    assert rendered.of_kind("ServiceMonitor")[0]["metadata"]["labels"]["release"] == "kps"
    for rule in alerts(rendered):
        labels = dict(rule["labels"])
        labels.pop("table", None)  # the freshness alerts' own (one pair per table)
        assert labels == {"team": "data", "severity": "page"}


def test_dashboard_configmap_for_the_grafana_sidecar(monitoring: Rendered, helm: Helm) -> None:
    [dashboard] = [
        c for c in monitoring.of_kind("ConfigMap") if c["metadata"]["name"] == "goldpipe-dashboard"
    ]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["data"]["goldpipe.json"] == DASHBOARD.read_text(encoding="utf-8")
    model = json.loads(dashboard["data"]["goldpipe.json"])
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert {"datasource", "namespace", "release"} <= set(variables)
    assert "$namespace" in variables["release"]["definition"]
    titles = " ".join(p["title"] for p in model["panels"]).lower()
    for topic in ("freshness", "check", "duration", "rows written", "rejected", "controller"):
        assert topic in titles, topic
    moved = render_monitoring(
        helm,
        {
            "monitoring": {
                "dashboard": {"namespace": "grafana", "label": "dashboards", "labelValue": "goldpipe"}
            }
        },
    )
    [other] = [c for c in moved.of_kind("ConfigMap") if c["metadata"]["name"] == "goldpipe-dashboard"]
    assert other["metadata"]["namespace"] == "grafana"
    assert other["metadata"]["labels"]["dashboards"] == "goldpipe"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"serviceMonitor": {"interval": "30 seconds"}}, "a Prometheus duration"),
        ({"prometheusRule": {"failingRunsWindow": "2"}}, "a Prometheus duration"),
        ({"prometheusRule": {"runbookUrl": "https://example.org/runbook.md#top"}}, "without spaces, quotes"),
        ({"prometheusRule": {"failingRuns": 0}}, "minimum"),
        ({"dashboard": {"enabled": "yes"}}, "boolean"),
        ({"grafana": {}}, "additional properties 'grafana' not allowed"),
    ],
)
def test_bad_monitoring_values_fail_with_the_key_named(
    helm: Helm, values: dict[str, Any], message: str
) -> None:
    error = helm.template_error(values={"monitoring": values}, extra=MONITORING_APIS)
    assert "/monitoring/" in error or "at '/monitoring'" in error, error
    assert message in error.lower() or message in error, error


def test_lint_strict_with_the_dashboard_on(helm: Helm) -> None:
    """helm lint knows no --api-versions: the operator's kinds are linted by the tests above."""
    values = helm.values_file({"monitoring": {"dashboard": {"enabled": True}}})
    proc = helm.run("lint", "--strict", ".", "--namespace", NAMESPACE, "-f", str(values))
    assert proc.returncode == 0, proc.stdout + proc.stderr
