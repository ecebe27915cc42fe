"""Issue 8's findings 1-4, 7 and 11 (values), each as it was reported: `helm template` and
goldpipe's own validation refuse the value with a message that says how to fix it, and no
message, log line or Event carries a secret. The property test (test_hostile_values.py) covers
every other leaf."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpipe.controller.runtime import Controller
from goldpipe.deploy.values import schema_errors
from tests.chart.conftest import ROOT, Helm, load_yaml, merge_values
from tests.fakes.kube import FakeKube
from tests.goldpipe.controller.conftest import write_config

pytestmark = pytest.mark.helm

SECRET = "hunter2-s3cr3t"


def merged(values: dict[str, Any]) -> dict[str, Any]:
    return merge_values(load_yaml(ROOT / "values.yaml"), values)


def refused(helm: Helm, values: dict[str, Any]) -> tuple[str, list[str]]:
    """helm's error and goldpipe's, for values merged over the chart's defaults."""
    return helm.template_error(values=values), schema_errors(merged(values))


def test_finding_1_mount_path_cannot_inject_keys(helm: Helm) -> None:
    message, errors = refused(helm, {"lakehouse": {"embedded": {"mountPath": "/lake\nhostPID: true"}}})
    assert "/lakehouse/embedded/mountPath" in message
    assert errors and errors[0].startswith("lakehouse/embedded/mountPath: does not match")
    good = helm.template(values={"lakehouse": {"embedded": {"mountPath": "/data/lake.v2"}}})
    [mount] = [
        m
        for m in good.deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
        if m["name"] == "lakehouse"
    ]
    assert mount["mountPath"] == "/data/lake.v2"


@pytest.mark.parametrize(
    ("values", "where", "helm_says"),
    [
        # helm's validator names the key but not always its place for propertyNames.
        ({"commonLabels": {"k" * 1100: "x"}}, "commonLabels", "invalid propertyName 'kkkk"),
        ({"commonLabels": {"team\u0085": "x"}}, "commonLabels", "invalid propertyName 'team"),
        (
            {"controller": {"nodeSelector": {"pool\u0085": "x"}}},
            "controller/nodeSelector",
            "invalid propertyName 'pool",
        ),
        ({"commonLabels": {"team": "a\nb"}}, "commonLabels/team", "at '/commonLabels/team'"),
    ],
)
def test_finding_2_label_keys_and_values_are_label_syntax(
    helm: Helm, values: dict[str, Any], where: str, helm_says: str
) -> None:
    message, errors = refused(helm, values)
    assert helm_says in message
    assert any(e.startswith(where) for e in errors), errors


@pytest.mark.parametrize(
    "values",
    [
        {"nameOverride": "!!python/object/apply:os.system ['id']"},
        {"notifications": {"webhook": {"secretName": "!!binary x"}}},
        {"notifications": {"webhook": {"secretName": "{key: x}"}}},
        {"notifications": {"webhook": {"secretName": "s" * 10_000}}},
    ],
)
def test_finding_3_names_are_dns_names(helm: Helm, values: dict[str, Any]) -> None:
    message, errors = refused(helm, values)
    assert "Error: values don't meet the specifications of the schema" in message
    assert errors and "must be empty, or it" in errors[0]


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"catalog": {"properties": {"jdbc.password": SECRET}}}, "catalog/properties"),
        ({"catalog": {"properties": {"s3.secret-access-key": SECRET}}}, "catalog/properties"),
        ({"catalog": {"uri": f"jdbc:postgresql://lake:{SECRET}@db:5432/lake"}}, "catalog/uri"),
        ({"catalog": {"uri": f"jdbc:postgresql://db:5432/lake?password={SECRET}"}}, "catalog/uri"),
        ({"spark": {"env": [{"name": "DB_PASSWORD", "value": SECRET}]}}, "spark/env/0/name"),
        ({"spark": {"sparkConf": {"spark.hadoop.fs.s3a.secret.key": SECRET}}}, "spark/sparkConf"),
    ],
)
def test_finding_4_secrets_typed_inline_are_refused_and_never_echoed(
    helm: Helm, values: dict[str, Any], where: str
) -> None:
    message, errors = refused(helm, values)
    assert SECRET not in message and not any(SECRET in e for e in errors)
    assert "catalog.credentials" in message and "secretKeyRef" in message
    [error] = [e for e in errors if e.startswith(where)]
    assert "pass" in error and "catalog.credentials (env from a Secret, secretKeyRef)" in error


def test_finding_4_a_neighbour_of_a_secret_key_is_allowed(helm: Helm) -> None:
    values = {"spark": {"hadoopConf": {"fs.s3a.aws.credentials.provider": "x.y.Provider"}}}
    helm.template(values=values)
    assert schema_errors(merged(values)) == []


def test_finding_4_the_controller_posts_no_secret(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A hand-edited ConfigMap with a password: the Event and the log say where, not what."""
    from goldpipe.deploy.values import chart_values

    kube = FakeKube("analytics")
    kube.add_configmap("goldpipe-config")
    good = chart_values(None)
    write_config(tmp_path / "config", good)
    controller = Controller(kube=kube, config_dir=tmp_path / "config")
    controller.reconcile_once()
    bad = copy.deepcopy(good)
    bad["catalog"]["properties"] = {"jdbc.password": SECRET}
    bad["catalog"]["uri"] = f"jdbc:postgresql://u:{SECRET}@db/lake?token={SECRET}"
    (tmp_path / "config" / "values.yaml").write_text(yaml.safe_dump(bad))
    with caplog.at_level(logging.DEBUG):
        controller.reconcile_once()
    [event] = [e for e in kube.events if e["reason"] == "InvalidConfig"]
    assert "catalog/properties" in event["message"] and "catalog/uri" in event["message"]
    assert SECRET not in event["message"]
    assert SECRET not in caplog.text and "catalog/properties" in caplog.text
    # The same for YAML that does not parse: PyYAML's own message quotes the line.
    (tmp_path / "config" / "values.yaml").write_text(f"catalog: {{uri: [{SECRET}\n")
    with caplog.at_level(logging.DEBUG):
        controller.reconcile_once()
    assert "not valid YAML" in (controller.last_error or "")
    assert SECRET not in caplog.text and all(SECRET not in e["message"] for e in kube.events)


@pytest.mark.parametrize(
    ("values", "where"),
    [
        ({"schedules": {"nightly": {"schedule": "0 2 * * *\n"}}}, "schedules/nightly/schedule"),
        (
            {"catalog": {"credentials": [{"env": "PASSWORD\n", "secretName": "s", "secretKey": "k"}]}},
            "catalog/credentials/0/env",
        ),
        (
            {"catalog": {"credentials": [{"env": "P", "secretName": "lake\n", "secretKey": "k"}]}},
            "catalog/credentials/0/secretName",
        ),
        ({"image": {"tag": "0.1.0\n"}}, "image/tag"),
    ],
)
def test_finding_7_a_trailing_newline_fails_in_goldpipe_as_in_helm(
    helm: Helm, values: dict[str, Any], where: str
) -> None:
    message, errors = refused(helm, values)
    assert f"/{where}" in message
    assert any(e.startswith(where) for e in errors), errors


def test_finding_11_one_schedule_name_limit_enforced_at_install(helm: Helm) -> None:
    """The limit: `<fullname>-<schedule>` at most 36 characters; 27 for the schedule of the
    default release `goldpipe`, so 28 is refused by helm and by goldpipe render alike."""
    from goldpipe.core.errors import ConfigError
    from goldpipe.deploy.release import derive_release
    from goldpipe.deploy.render.manifests import render_schedules
    from goldpipe.deploy.settings import pipeline_settings
    from goldpipe.deploy.values import chart_metadata

    for length, ok in ((27, True), (28, False)):
        name = "s" * length
        values = {"schedules": {"nightly": None, name: {"jobs": ["rejected_rows"], "schedule": "@daily"}}}
        proc = helm.template_raw(values=values)
        full = merged(values)
        release = derive_release(full, release_name="goldpipe", namespace="analytics", chart=chart_metadata())
        if ok:
            assert proc.returncode == 0, proc.stderr
            assert render_schedules(pipeline_settings(full, release))
        else:
            assert "at most 36 are allowed" in proc.stderr
            with pytest.raises(ConfigError, match="at most 36 are allowed"):
                render_schedules(pipeline_settings(full, release))
