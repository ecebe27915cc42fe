"""Fixtures for the chart tests: the pinned helm binary and a renderable copy of the chart.

Helm refuses to render, lint or package a chart whose ``Chart.yaml`` dependency is missing from
``charts/``, whatever the dependency's condition (see docs/chart.md); the repository carries a
placeholder ``charts/spark-operator/`` for that. Tests that change files work on a copy of the
repository; ``with_dependency=False`` removes ``charts/`` to show what helm does without it.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpipe.deploy.values import merge_values
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
HELM = ROOT / ".tools" / "bin" / "helm"
KUBECONFORM = ROOT / ".tools" / "bin" / "kubeconform"
PRODUCTION = Path(__file__).resolve().parent / "values-production.yaml"
RELEASE = "goldpipe"
NAMESPACE = "analytics"

# Left out of the copy: version control, local state and caches (big, and none of the chart's
# business). Those that .helmignore must exclude get an empty marker file in the copy instead,
# so the package test still sees them.
_NOT_COPIED = (".git", ".venv", ".tools", ".goldpipe", ".mypy_cache", ".pytest_cache", ".ruff_cache")
_NOT_COPIED += (".hypothesis", "__pycache__", "spark-warehouse", "metastore_db", ".work")
_MARKERS = (".venv", ".tools", ".goldpipe")

STUB_CHART = """\
apiVersion: v2
name: spark-operator
version: 2.5.2
description: Test stand-in for the Kubeflow Spark Operator chart (not vendored); renders nothing.
"""


def _has_operator_chart(charts: Path) -> bool:
    return any(charts.glob("spark-operator-*.tgz")) or (charts / "spark-operator" / "Chart.yaml").is_file()


def copy_chart(dest: Path, *, with_dependency: bool = True) -> Path:
    """A copy of the repository at ``dest``, with the Spark Operator chart (or its stand-in)."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(*_NOT_COPIED), symlinks=True)
    for name in _MARKERS:
        (dest / name).mkdir(exist_ok=True)
        (dest / name / "marker").write_text("must not be packaged\n")
    charts = dest / "charts"
    if not with_dependency:
        shutil.rmtree(charts, ignore_errors=True)
    elif not _has_operator_chart(charts):
        (charts / "spark-operator").mkdir(parents=True)
        (charts / "spark-operator" / "Chart.yaml").write_text(STUB_CHART)
    return dest


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass
class Rendered:
    """The documents of one ``helm template`` run."""

    docs: list[dict[str, Any]]
    values: dict[str, Any] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [d for d in self.of_kind(kind) if d["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: found {len(found)} in {[d['kind'] for d in self.docs]}"
        return found[0]

    def kinds(self) -> set[str]:
        return {d["kind"] for d in self.docs}

    @property
    def configmap(self) -> dict[str, Any]:
        return self.get("ConfigMap", f"{RELEASE}-config")

    @property
    def deployment(self) -> dict[str, Any]:
        return self.get("Deployment", f"{RELEASE}-controller")


@dataclass
class Helm:
    binary: Path
    chart: Path
    workdir: Path
    env: dict[str, str]
    _counter: int = 0

    def run(self, *args: str | os.PathLike[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *map(str, args)],
            cwd=cwd or self.chart,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def values_file(self, values: Mapping[str, Any]) -> Path:
        self._counter += 1
        path = self.workdir / f"values-{self._counter}.yaml"
        path.write_text(yaml.safe_dump(dict(values), sort_keys=False), encoding="utf-8")
        return path

    def _args(
        self, files: Iterable[Path], values: Mapping[str, Any] | None, sets: Iterable[str]
    ) -> list[str]:
        args: list[str] = []
        for f in files:
            args += ["-f", str(f)]
        if values is not None:
            args += ["-f", str(self.values_file(values))]
        for s in sets:
            args += ["--set", s]
        return args

    def template_raw(
        self,
        *,
        files: Iterable[Path] = (),
        values: Mapping[str, Any] | None = None,
        sets: Iterable[str] = (),
        chart: Path | None = None,
        extra: Iterable[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        return self.run(
            "template",
            RELEASE,
            str(chart or self.chart),
            "--namespace",
            NAMESPACE,
            *self._args(files, values, sets),
            *extra,
        )

    def template(
        self,
        *,
        files: Iterable[Path] = (),
        values: Mapping[str, Any] | None = None,
        sets: Iterable[str] = (),
        chart: Path | None = None,
        extra: Iterable[str] = (),
    ) -> Rendered:
        files = list(files)
        proc = self.template_raw(files=files, values=values, sets=sets, chart=chart, extra=extra)
        assert proc.returncode == 0, f"helm template failed:\n{proc.stderr}"
        docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
        merged = load_yaml((chart or self.chart) / "values.yaml")
        for f in files:
            merged = merge_values(merged, load_yaml(f) or {})
        if values is not None:
            merged = merge_values(merged, values)
        return Rendered(docs, merged)

    def template_error(self, **kwargs: Any) -> str:
        proc = self.template_raw(**kwargs)
        assert proc.returncode != 0, f"helm template succeeded, expected a failure:\n{proc.stdout[:2000]}"
        return proc.stderr


# What `helm template` needs to render the Prometheus Operator's kinds offline: the APIs a cluster
# with the operator's CRDs serves (templates/_helpers.tpl, goldpipe.monitoring.requireApi).
MONITORING_APIS = (
    "--api-versions",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "--api-versions",
    "monitoring.coreos.com/v1/PrometheusRule",
)
# Every monitoring resource on.
MONITORING_ON = {
    "monitoring": {
        "serviceMonitor": {"enabled": True},
        "prometheusRule": {"enabled": True},
        "dashboard": {"enabled": True},
    }
}


def render_monitoring(helm: Helm, values: Mapping[str, Any] | None = None) -> Rendered:
    """The chart with every monitoring resource on (merged over ``values``), as a cluster with the
    Prometheus Operator's CRDs renders it."""
    return helm.template(values=merge_values(dict(values or {}), MONITORING_ON), extra=MONITORING_APIS)


def rule_groups(rendered: Rendered) -> list[dict[str, Any]]:
    """The groups of the PrometheusRule: a Prometheus rule file's content (a copy: tests change it,
    the rendering is shared)."""
    [rule] = rendered.of_kind("PrometheusRule")
    groups: list[dict[str, Any]] = copy.deepcopy(rule["spec"]["groups"])
    return groups


def alerts(rendered: Rendered) -> list[dict[str, Any]]:
    return [r for group in rule_groups(rendered) for r in group["rules"] if "alert" in r]


@pytest.fixture(scope="session")
def chart_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_chart(tmp_path_factory.mktemp("chart") / "goldpipe")


@pytest.fixture(scope="session")
def helm(chart_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    require(
        "helm", HELM.is_file() and os.access(HELM, os.X_OK), f"{HELM} missing: run scripts/install-tools.sh"
    )
    home = tmp_path_factory.mktemp("helm-home")
    env = {
        **os.environ,
        # No user configuration, repositories or cluster: the tests must not depend on them.
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
        "KUBECONFIG": str(home / "no-kubeconfig"),
    }
    return Helm(HELM, chart_dir, tmp_path_factory.mktemp("helm-values"), env)


@pytest.fixture(scope="session")
def defaults(helm: Helm) -> Rendered:
    return helm.template()


@pytest.fixture(scope="session")
def production(helm: Helm) -> Rendered:
    return helm.template(files=[PRODUCTION])


@pytest.fixture(scope="session")
def monitoring(helm: Helm) -> Rendered:
    """The default values with every monitoring resource on."""
    return render_monitoring(helm)


@pytest.fixture(scope="session", params=["defaults", "production"])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    """Both configurations, for the properties that must hold for each."""
    return request.getfixturevalue(request.param)
