"""The optional Spark Operator dependency, and what helm does when it is not vendored.

Helm needs every Chart.yaml dependency in charts/ whatever its condition; goldpipe commits a
placeholder chart so the checkout renders offline. These tests pin that helm behaviour (so a
helm upgrade that changes it shows) and the placeholder's behaviour.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.chart.conftest import ROOT, Helm, copy_chart, load_yaml
from tests.conftest import require

pytestmark = pytest.mark.helm

MISSING = "found in Chart.yaml, but missing in charts/ directory: spark-operator"


def test_chart_declares_the_optional_operator() -> None:
    chart = load_yaml(ROOT / "Chart.yaml")
    assert chart["apiVersion"] == "v2"
    assert (chart["name"], chart["version"], chart["appVersion"]) == ("goldpipe", "0.1.0", "0.1.0")
    assert chart["kubeVersion"] == ">=1.27.0-0"
    assert chart["dependencies"] == [
        {
            "name": "spark-operator",
            "version": "2.5.2",
            "repository": "https://kubeflow.github.io/spark-operator",
            "condition": "sparkOperator.enabled",
        }
    ]
    assert load_yaml(ROOT / "values.yaml")["sparkOperator"] == {"enabled": False}


def test_one_operator_version_everywhere() -> None:
    """The chart's dependency, the operator the tests build (and whose CRDs validate renders), and
    goldpipe's own constant name the same Spark Operator release."""
    from goldpipe.deploy.render.crds import crds_dir
    from goldpipe.deploy.vocabulary import SPARK_OPERATOR_VERSION

    [dependency] = load_yaml(ROOT / "Chart.yaml")["dependencies"]
    go_mod = (ROOT / "tools" / "spark-operator" / "go.mod").read_text(encoding="utf-8")
    assert f"require github.com/kubeflow/spark-operator/v2 v{SPARK_OPERATOR_VERSION}\n" in go_mod
    assert dependency["version"] == SPARK_OPERATOR_VERSION
    crds = crds_dir()
    require("crds", crds is not None, "no Spark Operator CRDs: run scripts/install-tools.sh control-plane")
    assert crds is not None and crds.resolve().parent.name == f"spark-operator-v{SPARK_OPERATOR_VERSION}"


def test_only_the_placeholder_is_tracked() -> None:
    """Git carries goldpipe's placeholder for the operator chart, never a vendored copy."""
    if shutil.which("git") is None:
        return  # not checked without git; CI has it
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--", "charts"], capture_output=True, text=True, check=False
    )
    assert sorted(proc.stdout.split()) == [
        "charts/spark-operator/Chart.yaml",
        "charts/spark-operator/templates/not-vendored.yaml",
    ]
    assert load_yaml(ROOT / "charts/spark-operator/Chart.yaml")["annotations"] == {
        "goldpipe.io/placeholder": "true"
    }


def test_the_checkout_itself_lints_and_renders_offline(helm: Helm) -> None:
    """On a fresh clone, with no network: lint --strict and template work (operator disabled)."""
    lint = helm.run("lint", "--strict", ".", cwd=ROOT)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    rendered = helm.template_raw(chart=ROOT)
    assert rendered.returncode == 0, rendered.stderr


def test_enabling_the_operator_without_vendoring_it_says_what_to_do(helm: Helm) -> None:
    proc = helm.template_raw(chart=ROOT, sets=["sparkOperator.enabled=true"])
    assert proc.returncode != 0
    assert "run scripts/vendor-spark-operator.sh" in proc.stderr


@pytest.fixture(scope="module")
def bare_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_chart(tmp_path_factory.mktemp("bare") / "goldpipe", with_dependency=False)


@pytest.mark.parametrize("enabled", ["false", "true"])
def test_template_refuses_a_missing_dependency_whatever_the_condition(
    helm: Helm, bare_chart: Path, enabled: str
) -> None:
    proc = helm.template_raw(chart=bare_chart, sets=[f"sparkOperator.enabled={enabled}"])
    assert proc.returncode != 0
    assert MISSING in proc.stderr
    assert "helm dependency build" in proc.stderr


def test_strict_lint_refuses_a_missing_dependency(helm: Helm, bare_chart: Path) -> None:
    proc = helm.run("lint", "--strict", ".", cwd=bare_chart)
    assert proc.returncode != 0
    assert "chart directory is missing these dependencies: spark-operator" in proc.stdout
    # Without --strict it is only a warning.
    assert helm.run("lint", ".", cwd=bare_chart).returncode == 0


def test_package_refuses_a_missing_dependency(helm: Helm, bare_chart: Path, tmp_path: Path) -> None:
    proc = helm.run("package", ".", "--destination", str(tmp_path), cwd=bare_chart)
    assert proc.returncode != 0
    assert MISSING in proc.stderr


def test_any_chart_named_spark_operator_satisfies_helm(helm: Helm, tmp_path: Path) -> None:
    """Helm matches dependencies by name only (not version) before rendering; that is why the
    test stand-in works, and why a stale vendored archive would be used silently."""
    chart = copy_chart(tmp_path / "goldpipe", with_dependency=False)
    (chart / "charts" / "spark-operator").mkdir(parents=True)
    (chart / "charts" / "spark-operator" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: spark-operator\nversion: 0.0.1\n"
    )
    assert helm.template_raw(chart=chart).returncode == 0
