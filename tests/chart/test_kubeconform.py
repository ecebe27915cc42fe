"""kubeconform on the rendered chart, offline.

kubeconform needs the JSON schemas of the Kubernetes kinds; it normally downloads them. Here
they come from the `kubernetes-validate` package (PyPI), which ships them per Kubernetes
version as "local" schemas whose `$ref`s point at an absolute `/api/_definitions.json` under an
https `$id`. The fixture copies the kinds the chart renders into a temporary directory, drops
the `$id`s and makes the references relative, so kubeconform resolves them from disk.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import KUBECONFORM, PRODUCTION, Helm
from tests.conftest import require

pytestmark = pytest.mark.helm

MIN_VERSION = "1.27.0"  # Chart.yaml kubeVersion
LOCATION = (
    "{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
)


def _source() -> Path | None:
    try:
        import importlib.resources

        root = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema"
    except ModuleNotFoundError:
        return None
    path = Path(str(root))
    return path if path.is_dir() else None


def _schema_file(doc: dict[str, Any]) -> str:
    group, _, version = doc["apiVersion"].rpartition("/")
    suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
    return f"{doc['kind'].lower()}{suffix}.json"


def _local(text: str) -> str:
    schema = json.loads(text)
    schema.pop("$id", None)
    return json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')


@pytest.fixture(scope="module")
def manifests(helm: Helm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("rendered")
    files = {}
    for name, args in (("defaults", []), ("production", ["-f", str(PRODUCTION)])):
        proc = helm.run("template", "goldpipe", ".", "--namespace", "analytics", *args)
        assert proc.returncode == 0, proc.stderr
        files[name] = out / f"{name}.yaml"
        files[name].write_text(proc.stdout, encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def schema_dir(
    manifests: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, list[str]]]:
    require(
        "kubeconform", KUBECONFORM.is_file() and os.access(KUBECONFORM, os.X_OK), f"{KUBECONFORM} missing"
    )
    source = _source()
    require(
        "kubeconform", source is not None, "no offline Kubernetes schemas: pip install kubernetes-validate"
    )
    assert source is not None
    available = sorted(
        (p.name.removeprefix("v").removesuffix("-local-strict") for p in source.glob("v*-local-strict")),
        key=lambda v: tuple(int(x) for x in v.split(".")),
    )
    assert MIN_VERSION in available, available
    versions = [MIN_VERSION, available[-1]]
    docs = [d for path in manifests.values() for d in yaml.safe_load_all(path.read_text()) if d]
    # PodTemplate: the Spark pod templates inside the SparkApplications (test below).
    needed = {"_definitions.json", "podtemplate-v1.json"} | {_schema_file(d) for d in docs}
    dest = tmp_path_factory.mktemp("k8s-schemas")
    for version in versions:
        sub = f"v{version}-local-strict"
        (dest / sub).mkdir()
        for name in needed:
            (dest / sub / name).write_text(_local((source / sub / name).read_text(encoding="utf-8")))
    yield dest, versions


def kubeconform(schemas: Path, version: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(KUBECONFORM),
            "-strict",
            "-summary",
            "-kubernetes-version",
            version,
            "-schema-location",
            f"{schemas}/{LOCATION}",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_rendered_chart_is_valid(schema_dir: tuple[Path, list[str]], manifests: dict[str, Path]) -> None:
    schemas, versions = schema_dir
    for version in versions:
        proc = kubeconform(schemas, version, *manifests.values())
        assert proc.returncode == 0, f"Kubernetes {version}:\n{proc.stdout}{proc.stderr}"
        assert "Invalid: 0, Errors: 0, Skipped: 0" in proc.stdout, proc.stdout


def test_kubeconform_catches_a_bad_field(
    schema_dir: tuple[Path, list[str]], manifests: dict[str, Path], tmp_path: Path
) -> None:
    """The schemas are really used, and strictly: an unknown field fails."""
    schemas, versions = schema_dir
    bad = tmp_path / "bad.yaml"
    text = manifests["defaults"].read_text()
    assert "automountServiceAccountToken: true\n" in text
    bad.write_text(
        text.replace(
            "automountServiceAccountToken: true\n", "automountServiceAccountToken: true\n      replicas: 2\n"
        )
    )
    proc = kubeconform(schemas, versions[0], bad)
    assert proc.returncode != 0
    assert "Deployment goldpipe-controller is invalid" in proc.stdout
    assert "'replicas' not allowed" in proc.stdout


def test_spark_pod_templates_are_valid_pod_specs(schema_dir: tuple[Path, list[str]], tmp_path: Path) -> None:
    """The CRD leaves driver/executor `template` open (x-kubernetes-preserve-unknown-fields), so
    goldpipe's CRD validation cannot see into it: each template is checked here as a PodTemplate."""
    from goldpipe.controller.schedules import desired_schedules
    from goldpipe.deploy.release import derive_release
    from goldpipe.deploy.settings import pipeline_settings
    from goldpipe.deploy.values import chart_metadata, chart_values

    schemas, versions = schema_dir
    docs = []
    for values_file in (None, PRODUCTION):
        values = chart_values(values_file)
        release = derive_release(
            values, release_name="goldpipe", namespace="analytics", chart=chart_metadata()
        )
        for schedule in desired_schedules(pipeline_settings(values, release)):
            for role in ("driver", "executor"):
                template = schedule["spec"]["template"][role]["template"]
                name = f"{schedule['metadata']['name']}-{role}"
                docs.append(
                    {
                        "apiVersion": "v1",
                        "kind": "PodTemplate",
                        "metadata": {"name": name},
                        "template": template,
                    }
                )
    assert len(docs) == 10  # defaults: one schedule and maintenance; production: two and maintenance
    rendered = tmp_path / "pod-templates.yaml"
    rendered.write_text(yaml.safe_dump_all(docs))
    for version in versions:
        proc = kubeconform(schemas, version, rendered)
        assert proc.returncode == 0, f"Kubernetes {version}:\n{proc.stdout}{proc.stderr}"
        assert f"Valid: {len(docs)}, Invalid: 0" in proc.stdout, proc.stdout
    broken = tmp_path / "broken.yaml"
    docs[0]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = "yes"
    broken.write_text(yaml.safe_dump(docs[0]))
    assert kubeconform(schemas, versions[0], broken).returncode != 0
