"""The chart rendered by the pinned helm: lint, resources, restricted pods, RBAC, the ConfigMap."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import NAMESPACE, PRODUCTION, RELEASE, ROOT, Helm, Rendered, copy_chart
from tests.chart.rbac_docs import documented_rules

pytestmark = pytest.mark.helm

POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod"}


# --- lint and render -------------------------------------------------------------------------


@pytest.mark.parametrize("values", [None, PRODUCTION], ids=["defaults", "production"])
def test_lint_strict(helm: Helm, values: Path | None) -> None:
    args = ["lint", "--strict", ".", "--namespace", NAMESPACE]
    if values:
        args += ["-f", str(values)]
    proc = helm.run(*args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


def test_defaults_render_the_embedded_trial(defaults: Rendered) -> None:
    assert sorted(d["kind"] + "/" + d["metadata"]["name"] for d in defaults.docs) == sorted(
        [
            "ConfigMap/goldpipe-config",
            "Deployment/goldpipe-controller",
            "Service/goldpipe-controller",
            "ServiceAccount/goldpipe-controller",
            "Role/goldpipe-controller",
            "RoleBinding/goldpipe-controller",
            "ServiceAccount/goldpipe-spark",
            "Role/goldpipe-spark",
            "RoleBinding/goldpipe-spark",
            "PersistentVolumeClaim/goldpipe-lakehouse",
        ]
    )


def test_production_has_no_lakehouse_claim(production: Rendered) -> None:
    assert "PersistentVolumeClaim" not in production.kinds()
    mounts = production.deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert [m["name"] for m in mounts] == ["config", "tmp"]


def test_every_resource_is_namespaced_and_labelled(rendered: Rendered) -> None:
    common = rendered.values["commonLabels"]
    for doc in rendered.docs:
        meta = doc["metadata"]
        assert meta["namespace"] == NAMESPACE, doc["kind"]
        labels = meta["labels"]
        assert labels["app.kubernetes.io/name"] == "goldpipe"
        assert labels["app.kubernetes.io/instance"] == RELEASE
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/part-of"] == "goldpipe"
        assert labels["app.kubernetes.io/version"] == "0.1.0"
        assert labels["helm.sh/chart"] == "goldpipe-0.1.0"
        assert common.items() <= labels.items(), doc["kind"]


@pytest.mark.parametrize(
    ("release", "overrides", "fullname"),
    [
        ("goldpipe", {}, "goldpipe"),
        ("prod-goldpipe", {}, "prod-goldpipe"),
        ("prod", {}, "prod-goldpipe"),
        ("prod", {"nameOverride": "gold"}, "prod-gold"),
        ("prod", {"fullnameOverride": "lake-gold"}, "lake-gold"),
        ("prod", {"nameOverride": "n" * 63}, "prod-" + "n" * 58),
    ],
)
def test_fullname(helm: Helm, release: str, overrides: dict[str, Any], fullname: str) -> None:
    # Without schedules, table maintenance's included: a long full name leaves none of the 36
    # characters a schedule's name may have (test_schema and test_first_hour cover that rule).
    values = {"schedules": {"nightly": None}, "maintenance": {"enabled": False}, **overrides}
    proc = helm.run("template", release, ".", "-f", str(helm.values_file(values)))
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    cm = next(d for d in docs if d["kind"] == "ConfigMap")
    assert yaml.safe_load(cm["data"]["release.yaml"])["fullname"] == fullname
    for doc in docs:  # every name, suffix included, is a DNS label
        name = doc["metadata"]["name"]
        assert len(name) <= 63 and name[0].isalnum() and name[-1].isalnum(), name
        assert name.startswith(fullname[:52]), name


# --- pods: the restricted Pod Security Standard ----------------------------------------------


def pod_specs(rendered: Rendered) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for doc in rendered.docs:
        if doc["kind"] == "Pod":
            out.append((doc["metadata"]["name"], doc["spec"]))
        elif doc["kind"] in POD_KINDS:
            out.append((doc["metadata"]["name"], doc["spec"]["template"]["spec"]))
    return out


def assert_restricted(pod: dict[str, Any], containers: list[dict[str, Any]], where: str) -> None:
    """The restricted profile of the Pod Security Standards, for one pod spec."""
    psc = pod.get("securityContext") or {}
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(flag), f"{where}: {flag}"
    assert not [v for v in pod.get("volumes", []) if "hostPath" in v], f"{where}: hostPath volume"
    assert containers, f"{where}: no containers"
    for c in containers:
        sc = c.get("securityContext") or {}
        name = f"{where}/{c.get('name')}"
        assert sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True, f"{name}: runAsNonRoot"
        assert sc.get("runAsUser", psc.get("runAsUser", 1)) != 0, f"{name}: runAsUser 0"
        seccomp = sc.get("seccompProfile", psc.get("seccompProfile")) or {}
        assert seccomp.get("type") in ("RuntimeDefault", "Localhost"), f"{name}: seccomp"
        assert sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation"
        assert not sc.get("privileged"), f"{name}: privileged"
        caps = sc.get("capabilities") or {}
        assert "ALL" in caps.get("drop", []), f"{name}: capabilities.drop ALL"
        assert set(caps.get("add", [])) <= {"NET_BIND_SERVICE"}, f"{name}: capabilities.add"
        assert not any(p.get("hostPort") for p in c.get("ports", [])), f"{name}: hostPort"


def test_pods_are_restricted(rendered: Rendered) -> None:
    specs = pod_specs(rendered)
    assert [name for name, _ in specs] == [f"{RELEASE}-controller"]
    for name, spec in specs:
        containers = spec.get("initContainers", []) + spec["containers"]
        assert_restricted(spec, containers, name)


def test_controller_root_filesystem_is_read_only(rendered: Rendered) -> None:
    (container,) = rendered.deployment["spec"]["template"]["spec"]["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_spark_pod_settings_are_restricted(rendered: Rendered) -> None:
    """The controller copies these into every driver and executor: they must be restricted too."""
    values = yaml.safe_load(rendered.configmap["data"]["values.yaml"])
    spark = values["spark"]
    assert_restricted({"securityContext": spark["podSecurityContext"]}, [{"name": "spark", **spark}], "spark")


# --- the controller --------------------------------------------------------------------------


def test_controller_deployment(rendered: Rendered) -> None:
    values = rendered.values
    dep = rendered.deployment
    assert dep["spec"]["replicas"] == 1
    assert dep["spec"]["strategy"] == {"type": "Recreate"}
    pod = dep["spec"]["template"]
    selector = dep["spec"]["selector"]["matchLabels"]
    assert selector == {
        "app.kubernetes.io/name": "goldpipe",
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": "controller",
    }
    assert selector.items() <= pod["metadata"]["labels"].items()
    spec = pod["spec"]
    assert spec["serviceAccountName"] == f"{RELEASE}-controller"
    assert spec["automountServiceAccountToken"] is True
    assert spec.get("imagePullSecrets", []) == [{"name": n} for n in values["imagePullSecrets"]]
    for key in ("nodeSelector", "tolerations", "affinity"):
        assert spec.get(key, type(values["controller"][key])()) == values["controller"][key]
    (c,) = spec["containers"]
    image = values["controller"]["image"]
    assert c["image"] == f"{image['repository']}:{image['tag']}"
    assert c["imagePullPolicy"] == image["pullPolicy"]
    assert c["args"] == ["controller", "--config-dir", "/etc/goldpipe"]
    assert c["resources"] == values["controller"]["resources"]
    port = values["controller"]["port"]
    assert c["ports"] == [{"name": "metrics", "containerPort": port, "protocol": "TCP"}]
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert spec["securityContext"] == values["controller"]["podSecurityContext"]
    assert c["securityContext"] == values["controller"]["securityContext"]

    mounts = {m["name"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert mounts["config"] == {"name": "config", "mountPath": "/etc/goldpipe", "readOnly": True}
    assert volumes["config"]["configMap"]["name"] == f"{RELEASE}-config"
    assert mounts["tmp"]["mountPath"] == "/tmp"
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
    embedded = values["lakehouse"]["embedded"]
    assert ("lakehouse" in mounts) is embedded["enabled"]
    if embedded["enabled"]:
        assert mounts["lakehouse"]["mountPath"] == embedded["mountPath"]
        assert volumes["lakehouse"]["persistentVolumeClaim"]["claimName"] == f"{RELEASE}-lakehouse"


def test_controller_env(rendered: Rendered) -> None:
    (c,) = rendered.deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in c["env"]}
    assert env["GOLDPIPE_LOG_LEVEL"]["value"] == rendered.values["controller"]["logLevel"]
    assert env["POD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    credentials = rendered.values["catalog"]["credentials"]
    for cred in credentials:
        # Never an inline value: only a reference to the Secret.
        assert env[cred["env"]] == {
            "name": cred["env"],
            "valueFrom": {"secretKeyRef": {"name": cred["secretName"], "key": cred["secretKey"]}},
        }
    assert len(c["env"]) == len(env) == 3 + len(credentials)


def test_production_credentials_come_from_secrets(production: Rendered) -> None:
    (c,) = production.deployment["spec"]["template"]["spec"]["containers"]
    refs = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for e in c["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert refs == {
        "GOLDPIPE_CATALOG_JDBC_USER": {"name": "lake-catalog", "key": "username"},
        "GOLDPIPE_CATALOG_JDBC_PASSWORD": {"name": "lake-catalog", "key": "password"},
    }


def test_controller_service(rendered: Rendered) -> None:
    svc = rendered.get("Service", f"{RELEASE}-controller")
    assert svc["spec"]["type"] == "ClusterIP"
    port = rendered.values["controller"]["port"]
    assert svc["spec"]["ports"] == [
        {"name": "metrics", "port": port, "targetPort": "metrics", "protocol": "TCP"}
    ]
    assert svc["spec"]["selector"] == rendered.deployment["spec"]["selector"]["matchLabels"]


def test_controller_port_is_configurable(helm: Helm) -> None:
    out = helm.template(sets=["controller.port=9090"])
    (c,) = out.deployment["spec"]["template"]["spec"]["containers"]
    assert c["ports"][0]["containerPort"] == 9090
    assert out.get("Service", f"{RELEASE}-controller")["spec"]["ports"][0]["port"] == 9090


def test_checksum_annotation_follows_the_config(helm: Helm, defaults: Rendered) -> None:
    def checksum(r: Rendered) -> str:
        return str(r.deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    assert len(checksum(defaults)) == 64
    assert checksum(helm.template()) == checksum(defaults)
    rescaled = helm.template(sets=["defaults.executor.instances=3"])
    assert checksum(rescaled) != checksum(defaults)
    assert checksum(helm.template(sets=["schedules.nightly.suspend=true"])) != checksum(defaults)


def test_pod_annotations(production: Rendered) -> None:
    annotations = production.deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert "checksum/config" in annotations


# --- RBAC -------------------------------------------------------------------------------------

# The allow-lists of docs/chart.md: the rendered Roles grant exactly what is documented.
CONTROLLER_RULES = documented_rules("controller", RELEASE)
SPARK_RULES = documented_rules("spark", RELEASE)


def rule_map(role: dict[str, Any]) -> dict[tuple[str, str, str], set[str]]:
    out: dict[tuple[str, str, str], set[str]] = {}
    for rule in role["rules"]:
        assert set(rule) <= {"apiGroups", "resources", "resourceNames", "verbs"}, rule  # no URLs
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for name in rule.get("resourceNames") or [""]:
                    out.setdefault((group, resource, name), set()).update(rule["verbs"])
    return out


def test_rbac_is_namespaced_without_wildcards(rendered: Rendered) -> None:
    assert not {"ClusterRole", "ClusterRoleBinding"} & rendered.kinds()
    for role in rendered.of_kind("Role"):
        for rule in role["rules"]:
            for key in ("apiGroups", "resources", "verbs"):
                assert "*" not in rule[key] and not any("*" in v for v in rule[key]), (
                    role["metadata"]["name"],
                    rule,
                )


def test_controller_role(rendered: Rendered) -> None:
    assert rule_map(rendered.get("Role", f"{RELEASE}-controller")) == CONTROLLER_RULES
    binding = rendered.get("RoleBinding", f"{RELEASE}-controller")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": f"{RELEASE}-controller",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": f"{RELEASE}-controller", "namespace": NAMESPACE}
    ]


def test_spark_role(rendered: Rendered) -> None:
    assert rule_map(rendered.get("Role", f"{RELEASE}-spark")) == SPARK_RULES
    binding = rendered.get("RoleBinding", f"{RELEASE}-spark")
    assert binding["roleRef"]["name"] == f"{RELEASE}-spark"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": f"{RELEASE}-spark", "namespace": NAMESPACE}
    ]
    sa = rendered.get("ServiceAccount", f"{RELEASE}-spark")
    assert sa["metadata"].get("annotations", {}) == rendered.values["spark"]["serviceAccount"]["annotations"]


def test_existing_service_accounts(helm: Helm) -> None:
    out = helm.template(
        values={
            "controller": {"serviceAccount": {"create": False, "name": "ops-controller"}},
            "spark": {"serviceAccount": {"create": False, "name": "ops-spark"}},
        }
    )
    assert out.of_kind("ServiceAccount") == []
    assert [r["metadata"]["name"] for r in out.of_kind("Role")] == [f"{RELEASE}-controller"]
    assert out.deployment["spec"]["template"]["spec"]["serviceAccountName"] == "ops-controller"
    (binding,) = out.of_kind("RoleBinding")
    assert binding["subjects"][0]["name"] == "ops-controller"
    assert yaml.safe_load(out.configmap["data"]["release.yaml"])["sparkServiceAccountName"] == "ops-spark"
    unnamed = helm.template(sets=["spark.serviceAccount.create=false"])
    assert yaml.safe_load(unnamed.configmap["data"]["release.yaml"])["sparkServiceAccountName"] == "default"


# --- the lakehouse claim ---------------------------------------------------------------------


def test_lakehouse_claim_is_kept_on_uninstall(defaults: Rendered) -> None:
    pvc = defaults.get("PersistentVolumeClaim", f"{RELEASE}-lakehouse")
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert "storageClassName" not in pvc["spec"]  # the cluster default, not "no class"


def test_lakehouse_storage_class_and_existing_claim(helm: Helm) -> None:
    out = helm.template(sets=["lakehouse.embedded.storageClass=fast", "lakehouse.embedded.size=20Gi"])
    pvc = out.get("PersistentVolumeClaim", f"{RELEASE}-lakehouse")
    assert pvc["spec"]["storageClassName"] == "fast"
    assert pvc["spec"]["resources"]["requests"]["storage"] == "20Gi"

    out = helm.template(
        sets=["lakehouse.embedded.existingClaim=old-lake", "lakehouse.embedded.mountPath=/data"]
    )
    assert "PersistentVolumeClaim" not in out.kinds()
    spec = out.deployment["spec"]["template"]["spec"]
    assert {"name": "lakehouse", "persistentVolumeClaim": {"claimName": "old-lake"}} in spec["volumes"]
    assert {"name": "lakehouse", "mountPath": "/data"} in spec["containers"][0]["volumeMounts"]
    release = yaml.safe_load(out.configmap["data"]["release.yaml"])
    assert release["lakehouse"] == {"claimName": "old-lake", "mountPath": "/data"}


# --- the ConfigMap: the controller's input ---------------------------------------------------


def test_configmap_values_round_trip(rendered: Rendered) -> None:
    values = yaml.safe_load(rendered.configmap["data"]["values.yaml"])
    expected = {k: v for k, v in rendered.values.items() if k != "spark-operator"}
    assert values == expected


def test_configmap_release_facts(rendered: Rendered) -> None:
    release = yaml.safe_load(rendered.configmap["data"]["release.yaml"])
    labels = dict(rendered.deployment["metadata"]["labels"])
    del labels["app.kubernetes.io/component"]
    embedded = rendered.values["lakehouse"]["embedded"]["enabled"]
    assert release == {
        "releaseName": RELEASE,
        "namespace": NAMESPACE,
        "fullname": RELEASE,
        "configMapName": f"{RELEASE}-config",
        "chartName": "goldpipe",
        "chartVersion": "0.1.0",
        "appVersion": "0.1.0",
        "labels": labels,
        "sparkServiceAccountName": f"{RELEASE}-spark",
        "lakehouse": {
            "claimName": f"{RELEASE}-lakehouse" if embedded else "",
            "mountPath": "/lake" if embedded else "",
        },
    }
    assert all(isinstance(v, str) for v in release["labels"].values())


def test_configmap_holds_every_manifest_template(defaults: Rendered) -> None:
    data = defaults.configmap["data"]
    templates = sorted((ROOT / "manifests").glob("*.j2"))
    for path in templates:
        assert data.get(path.name) == path.read_text(encoding="utf-8"), path.name
    assert set(data) == {"values.yaml", "release.yaml"} | {p.name for p in templates}


def test_manifest_templates_are_copied_verbatim(helm: Helm, tmp_path: Path) -> None:
    """Jinja syntax, leading indentation and blank lines survive: helm does not template them."""
    chart = copy_chart(tmp_path / "goldpipe")
    samples = {
        "zz-sample.yaml.j2": "  indented first line\n{{ name }}: {% if x %}{{ x | tojson }}{% endif %}\n\n\n",
        "zz-tabs.j2": "key:\tvalue\n# comment: with colon\n'quoted' \"twice\"",
    }
    for name, text in samples.items():
        (chart / "manifests" / name).write_text(text, encoding="utf-8")
    data = helm.template(chart=chart).configmap["data"]
    for name, text in samples.items():
        assert data[name] == text


def test_removing_the_default_schedule(helm: Helm) -> None:
    """User maps merge into the defaults: a job of `nightly` in another schedule is refused at
    install (each job runs in one schedule); replacing `nightly` takes an explicit null."""
    schedule = {"jobs": ["rejected_rows"], "schedule": "@daily"}
    message = helm.template_error(values={"schedules": {"audit": schedule}})
    assert 'job rejected_rows is in schedules "audit" and "nightly"' in message
    assert "schedules.nightly: null" in message
    replaced = helm.template(values={"schedules": {"nightly": None, "audit": schedule}})
    assert yaml.safe_load(replaced.configmap["data"]["values.yaml"])["schedules"] == {"audit": schedule}


# --- NOTES.txt --------------------------------------------------------------------------------


def render_notes(helm: Helm, tmp_path: Path, *files: Path) -> str:
    """NOTES.txt as `helm install` prints it (`helm template` skips it, and install needs a
    cluster): a copy of the chart renders it through `tpl` into a ConfigMap."""
    chart = copy_chart(tmp_path / "goldpipe")
    (chart / "notes-preview").mkdir()
    (chart / "notes-preview" / "NOTES.txt").write_text((chart / "templates" / "NOTES.txt").read_text())
    (chart / "templates" / "notes-preview.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-preview\n"
        'data:\n  notes: {{ tpl (.Files.Get "notes-preview/NOTES.txt") . | toJson }}\n'
    )
    proc = helm.template_raw(chart=chart, files=files, extra=["--show-only", "templates/notes-preview.yaml"])
    assert proc.returncode == 0, proc.stderr
    return str(yaml.safe_load(proc.stdout)["data"]["notes"])


def test_notes(helm: Helm, tmp_path: Path) -> None:
    notes = render_notes(helm, tmp_path / "defaults")
    assert (
        f"kubectl get scheduledsparkapplications,sparkapplications -n {NAMESPACE} -L goldpipe.io/checks"
        in notes
    )
    assert f"kubectl logs -n {NAMESPACE} deployment/{RELEASE}-controller" in notes
    assert "goldpipe status" in notes
    assert "kubectl describe" in notes
    assert "WARNING: the embedded lakehouse" in notes
    assert "nightly" in notes

    notes = render_notes(helm, tmp_path / "production", PRODUCTION)
    assert "WARNING" not in notes
    assert "product-performance" in notes
    assert "Europe/Berlin" in notes


# --- packaging --------------------------------------------------------------------------------


def test_package_keeps_python_out_and_manifests_in(helm: Helm, tmp_path: Path) -> None:
    chart = copy_chart(tmp_path / "goldpipe")
    (chart / "manifests" / "packaged-sample.yaml.j2").write_text("kind: {{ kind }}\n")
    proc = helm.run("package", str(chart), "--destination", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    (archive,) = (tmp_path / "out").glob("goldpipe-*.tgz")
    with tarfile.open(archive) as tar:
        names = [n.split("/", 1)[1] for n in tar.getnames()]
    assert {"Chart.yaml", "values.yaml", "values.schema.json", "templates/_helpers.tpl"} <= set(names)
    assert {f"templates/{p.name}" for p in (chart / "templates").iterdir()} <= set(names)
    assert {f"manifests/{p.name}" for p in (chart / "manifests").glob("*.j2")} <= set(names)
    assert "manifests/packaged-sample.yaml.j2" in names
    excluded = (
        "goldpipe/",
        "spark_apps/",
        "tests/",
        "images/",
        "benchmarks/",
        "scripts/",
        "tools/",
        "docs/",
        ".venv/",
        ".tools/",
        ".goldpipe/",
        ".git",
        "goldpipe.egg-info/",
    )
    leaked = [n for n in names if n.startswith(excluded) or n.endswith((".py", ".pyc"))]
    leaked += [n for n in names if n in ("Makefile", "pyproject.toml", ".gitignore")]
    assert leaked == []


@pytest.mark.parametrize("profile", ["values-jdbc-s3.yaml", "values-rest-s3.yaml"])
def test_the_production_profiles_install_with_secrets_only_by_reference(helm, profile):
    values_file = Path(__file__).resolve().parents[1] / "production" / profile
    rendered = helm.template(files=[values_file])
    env = {e["name"]: e for e in rendered.deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert set(env[name]) == {"name", "valueFrom"}, env[name]
    assert "PersistentVolumeClaim" not in rendered.kinds()  # no embedded lakehouse
