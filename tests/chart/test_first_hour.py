"""Issue 22's findings about the chart's values, each as it was reported: what helm says and what
goldpipe says agree with the docs, and with each other."""

from __future__ import annotations

from typing import Any

import pytest

from goldpipe.deploy.values import merge_values, schema_errors
from tests.chart.conftest import ROOT, Helm, load_yaml

pytestmark = pytest.mark.helm


def merged(values: dict[str, Any]) -> dict[str, Any]:
    return merge_values(load_yaml(ROOT / "values.yaml"), values)


def env_values(name: str) -> dict[str, Any]:
    return {"spark": {"env": [{"name": name, "value": "x"}]}}


# docs/security.md's rule: a name containing PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL or
# APIKEY in any case, anywhere, or ending in _KEY.
SECRET_LOOKING = ["MY_SECRET", "MYSECRETTHING", "mysecret", "API_KEY", "KEY", "APIKEY", "DB_PASSWD",
                  "GITHUB_TOKEN", "ssh_passphrase", "Password", "GCP_CREDENTIALS"]  # fmt: skip
PLAIN = ["SPARK_HOME", "JAVA_OPTS", "KEYSTORE_TYPE", "MONKEY", "TZ", "PYTHONPATH", "AWS_REGION"]


@pytest.mark.parametrize("name", SECRET_LOOKING)
def test_finding_8_secret_looking_env_names_are_refused_by_helm_and_goldpipe(helm: Helm, name: str) -> None:
    values = env_values(name)
    message = helm.template_error(values=values)
    assert "at '/spark/env/0/name'" in message and "without a secret" in message
    [error] = schema_errors(merged(values))
    assert error.startswith("spark/env/0/name: must be a variable without a secret")


@pytest.mark.parametrize("name", PLAIN)
def test_finding_8_other_env_names_are_accepted(helm: Helm, name: str) -> None:
    assert schema_errors(merged(env_values(name))) == []
    helm.template(values=env_values(name))


@pytest.mark.parametrize(
    ("where", "key"),
    [
        (("catalog", "properties"), "jdbc.password"),
        (("catalog", "properties"), "s3.secret-access-key"),
        (("catalog", "properties"), "token"),
        (("spark", "sparkConf"), "spark.hadoop.fs.s3a.secret.key"),
        (("spark", "hadoopConf"), "fs.s3a.secret.key"),
    ],
)
def test_finding_10_a_secret_property_is_refused_at_its_own_path(
    helm: Helm, where: tuple[str, str], key: str
) -> None:
    """helm named a wrong, varying path (`/spark/hadoopConf`, `/sparkOperator/enabled`) for a
    refused key: the rule now sits where helm's validator reports the key's own path."""
    values = {where[0]: {where[1]: {key: "hunter2"}}}
    path = "/".join((*where, key))
    message = helm.template_error(values=values)
    assert f"at '/{path}': value must be 'a property without a secret" in message
    assert "hunter2" not in message
    [error] = schema_errors(merged(values))
    assert error.startswith(f"{path}: must be a property without a secret")


@pytest.mark.parametrize(("length", "ok"), [(24, True), (25, False)])
def test_finding_7_the_maintenance_schedule_name_limit_is_enforced_at_install(
    helm: Helm, length: int, ok: bool
) -> None:
    """A 25-28 character release installed, then `goldpipe render` refused its
    `<release>-maintenance` (38 characters): helm now refuses it too, and both agree at 36."""
    from goldpipe.core.errors import ConfigError
    from goldpipe.deploy.release import derive_release
    from goldpipe.deploy.render.maintenance import render_maintenance
    from goldpipe.deploy.settings import pipeline_settings
    from goldpipe.deploy.values import chart_metadata

    release = ("goldpipe-" + "x" * 30)[:length]
    proc = helm.run("template", release, str(helm.chart), "--namespace", "analytics")
    values = merged({})
    settings = pipeline_settings(
        values, derive_release(values, release_name=release, namespace="analytics", chart=chart_metadata())
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
        assert render_maintenance(settings)[0]["metadata"]["name"] == f"{release}-maintenance"
    else:
        assert f'maintenance: the ScheduledSparkApplication name "{release}-maintenance"' in proc.stderr
        assert "at most 36 are allowed" in proc.stderr
        with pytest.raises(ConfigError, match="at most 36 are allowed"):
            render_maintenance(settings)
        disabled = helm.run(
            "template", release, str(helm.chart), "--set", "maintenance.enabled=false", "-n", "analytics"
        )
        assert disabled.returncode == 0, disabled.stderr


def test_finding_9_the_controller_reads_only_its_own_configmap(helm: Helm) -> None:
    """The Role granted `get` on every ConfigMap of the namespace; docs/security.md and docs/chart.md say
    it reads its own."""
    import yaml

    proc = helm.run("template", "prod", str(helm.chart), "--namespace", "analytics")
    assert proc.returncode == 0, proc.stderr
    [role] = [
        d
        for d in yaml.safe_load_all(proc.stdout)
        if d and d["kind"] == "Role" and d["metadata"]["name"] == "prod-goldpipe-controller"
    ]
    [rule] = [r for r in role["rules"] if "configmaps" in r["resources"]]
    assert rule == {
        "apiGroups": [""],
        "resources": ["configmaps"],
        "resourceNames": ["prod-goldpipe-config"],
        "verbs": ["get"],
    }
