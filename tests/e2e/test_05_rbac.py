"""RBAC as the API server enforces it: what the chart's ServiceAccounts may do is exactly the
allow-list documented in docs/chart.md, and a forbidden call is one clear line from goldpipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.chart.rbac_docs import Rules, documented_rules, split_resource
from tests.e2e.conftest import E2E
from tests.e2e.deployment import CONTROLLER_SA, NAMESPACE, RELEASE, SPARK_SA

# What every authenticated identity may do (the cluster's system:basic-user and
# system:discovery roles), not granted by the chart.
EVERYONE: Rules = {
    ("authentication.k8s.io", "selfsubjectreviews", ""): {"create"},
    ("authorization.k8s.io", "selfsubjectaccessreviews", ""): {"create"},
    ("authorization.k8s.io", "selfsubjectrulesreviews", ""): {"create"},
}


def can_i_list(e2e: E2E, account: str) -> Rules:
    proc = e2e.plane.kubectl(
        "auth", "can-i", "--list", "-n", NAMESPACE, f"--as=system:serviceaccount:{NAMESPACE}:{account}"
    )
    rules: Rules = {}
    for line in proc.stdout.splitlines()[1:]:
        match = re.match(r"^(\S+)\s+(\[[^\]]*\])\s+(\[[^\]]*\])\s+\[([^\]]*)\]", line)
        if not match:
            continue
        resource, urls, names, verbs = match.groups()
        if resource == "[]" or urls != "[]":
            continue  # non-resource URLs (discovery, health): the same for everyone
        group, plural = split_resource(resource)
        for name in names.strip("[]").split() or [""]:
            rules.setdefault((group, plural, name), set()).update(verbs.split())
    return rules


@pytest.mark.parametrize("account", [CONTROLLER_SA, SPARK_SA])
def test_the_service_accounts_may_do_exactly_the_documented_allow_list(e2e: E2E, account: str) -> None:
    key = "controller" if account == CONTROLLER_SA else "spark"
    granted = {k: v for k, v in can_i_list(e2e, account).items() if k not in EVERYONE}
    assert granted == documented_rules(key, RELEASE)
    for group, resource, _name in granted:  # nothing cluster-scoped, no secrets
        assert resource not in ("secrets", "*", "nodes", "namespaces", "persistentvolumes"), resource
        assert group in ("", "sparkoperator.k8s.io"), group


def test_a_forbidden_call_is_one_line_from_goldpipe(e2e: E2E, tmp_path: Path) -> None:
    kubeconfig = e2e.plane.token_kubeconfig(CONTROLLER_SA, NAMESPACE, tmp_path / "controller.kubeconfig")
    proc = e2e.deployment.goldpipe(
        "run",
        "daily_sales_summary",
        "--date",
        e2e.days[2].isoformat(),
        "-n",
        NAMESPACE,
        kubeconfig=kubeconfig,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("error: create sparkapplications/goldpipe-daily-sales-summary-")
    assert "HTTP 403" in line and f"system:serviceaccount:{NAMESPACE}:{CONTROLLER_SA}" in line
    spark = e2e.plane.token_kubeconfig(SPARK_SA, NAMESPACE, tmp_path / "spark.kubeconfig")
    status = e2e.deployment.goldpipe("status", "-n", NAMESPACE, kubeconfig=spark)
    assert status.returncode == 1
    [line] = status.stderr.strip().splitlines()
    assert line.startswith("error: list sparkapplications failed: HTTP 403")
