"""The chart's ConfigMap is the controller's whole input: what the controller renders from the
helm-rendered ConfigMap equals what `goldpipe render` prints from the same values."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from goldpipe.cli.main import _register, cli
from goldpipe.controller.config_source import load_config_dir
from goldpipe.controller.schedules import desired_schedules
from goldpipe.deploy.release import derive_release
from goldpipe.deploy.render.crds import manifest_errors
from goldpipe.deploy.values import chart_metadata
from tests.chart.conftest import NAMESPACE, PRODUCTION, RELEASE, Helm, Rendered

pytestmark = pytest.mark.helm


def mount(rendered: Rendered, directory: Path) -> Path:
    """Write the ConfigMap's keys as files, as the kubelet mounts them."""
    directory.mkdir()
    for key, value in rendered.configmap["data"].items():
        (directory / key).write_text(value)
    return directory


@pytest.mark.parametrize("which", ["defaults", "production"])
def test_controller_and_cli_render_the_same_schedules(request, tmp_path, which):
    rendered: Rendered = request.getfixturevalue(which)
    config = load_config_dir(mount(rendered, tmp_path / "config"))
    from_controller = desired_schedules(config.settings, config.templates)
    assert from_controller and all(manifest_errors(d) == [] for d in from_controller)

    _register()
    args = ["render", "--release", RELEASE, "-n", NAMESPACE]
    if which == "production":
        args = ["-f", str(PRODUCTION), *args]
    result = CliRunner().invoke(cli, args, obj={}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert list(yaml.safe_load_all(result.output)) == from_controller


@pytest.mark.parametrize(
    "sets",
    [
        [],
        ["fullnameOverride=lake-gold"],
        ["nameOverride=gp"],
        ["spark.serviceAccount.name=runner"],
        ["lakehouse.embedded.existingClaim=shared-lake"],
        ["commonLabels.team=data"],
    ],
)
def test_release_facts_derived_in_python_match_helms(helm: Helm, sets):
    rendered = helm.template(sets=sets)
    [configmap] = rendered.of_kind("ConfigMap")
    from_helm = yaml.safe_load(configmap["data"]["release.yaml"])
    values = yaml.safe_load(configmap["data"]["values.yaml"])
    release = derive_release(values, release_name=RELEASE, namespace=NAMESPACE, chart=chart_metadata())
    assert release.fullname == from_helm["fullname"]
    assert release.config_map_name == from_helm["configMapName"]
    assert release.spark_service_account == from_helm["sparkServiceAccountName"]
    assert release.lakehouse_claim == from_helm["lakehouse"]["claimName"]
    assert release.lakehouse_mount == from_helm["lakehouse"]["mountPath"]
    assert dict(release.labels) == from_helm["labels"]


def test_every_template_of_manifests_is_in_the_configmap(defaults: Rendered):
    root = Path(__file__).resolve().parents[2]
    names = {p.name for p in (root / "manifests").glob("*.j2")}
    assert names == {
        "_spark-spec.yaml.j2",
        "spark-application.yaml.j2",
        "scheduled-spark-application.yaml.j2",
    }
    for name in names:
        assert defaults.configmap["data"][name] == (root / "manifests" / name).read_text()
