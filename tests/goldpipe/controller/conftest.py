"""A mounted-ConfigMap directory like the chart's, built from the chart's values, and FakeKube."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpipe.deploy.release import Release, derive_release
from goldpipe.deploy.values import chart_metadata, chart_values, find_chart_dir
from tests.fakes.kube import FakeKube


def release_mapping(release: Release) -> dict[str, Any]:
    return {
        "releaseName": release.name,
        "namespace": release.namespace,
        "fullname": release.fullname,
        "configMapName": release.config_map_name,
        "chartName": "goldpipe",
        "chartVersion": release.chart_version,
        "appVersion": release.app_version,
        "labels": dict(release.labels),
        "sparkServiceAccountName": release.spark_service_account,
        "lakehouse": {"claimName": release.lakehouse_claim, "mountPath": release.lakehouse_mount},
    }


def write_config(directory: Path, values: dict[str, Any]) -> Release:
    directory.mkdir(parents=True, exist_ok=True)
    release = derive_release(values, release_name="goldpipe", namespace="analytics", chart=chart_metadata())
    (directory / "values.yaml").write_text(yaml.safe_dump(values))
    (directory / "release.yaml").write_text(yaml.safe_dump(release_mapping(release)))
    for template in (find_chart_dir() / "manifests").glob("*.j2"):
        shutil.copy(template, directory / template.name)
    return release


@pytest.fixture
def values() -> dict[str, Any]:
    return chart_values(None)


@pytest.fixture
def config_dir(tmp_path: Path, values: dict[str, Any]) -> Path:
    write_config(tmp_path / "config", values)
    return tmp_path / "config"


@pytest.fixture
def kube() -> FakeKube:
    fake = FakeKube("analytics")
    fake.add_configmap("goldpipe-config")
    return fake
