"""`helm install` into a restricted namespace, and the schedules the controller applies."""

from __future__ import annotations

import json
import time

from tests.e2e.conftest import E2E
from tests.e2e.deployment import CONFIGMAP, NAMESPACE, RELEASE, SCHEDULE


def test_helm_install_into_a_restricted_namespace_deploys_an_available_controller(e2e: E2E) -> None:
    status = json.loads(e2e.deployment.helm("status", RELEASE, "-n", NAMESPACE, "-o", "json").stdout)
    assert status["info"]["status"] == "deployed"
    namespace = e2e.plane.get("namespace", NAMESPACE)
    assert namespace is not None
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    deployment = e2e.plane.get("deployment", f"{RELEASE}-controller", NAMESPACE)
    assert deployment is not None
    assert deployment["status"].get("availableReplicas") == 1
    # Admitted by restricted Pod Security, scheduled (the lakehouse claim is bound), Running.
    [pod] = e2e.plane.items("pods", NAMESPACE, "app.kubernetes.io/component=controller")
    assert pod["status"]["phase"] == "Running"
    claim = e2e.plane.get("persistentvolumeclaim", f"{RELEASE}-lakehouse", NAMESPACE)
    assert claim is not None and claim["status"]["phase"] == "Bound"


def test_the_controller_server_side_applies_the_schedule_accepted_by_the_crd(e2e: E2E) -> None:
    live = e2e.plane.get("scheduledsparkapplication", SCHEDULE, NAMESPACE)
    assert live is not None, e2e.deployment.controller_log()
    configmap = e2e.plane.get("configmap", CONFIGMAP, NAMESPACE)
    assert configmap is not None
    [owner] = live["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == (
        "ConfigMap",
        CONFIGMAP,
        configmap["metadata"]["uid"],
    )
    fields = json.loads(
        e2e.plane.kubectl(
            "get",
            "scheduledsparkapplication",
            SCHEDULE,
            "-n",
            NAMESPACE,
            "-o",
            "json",
            "--show-managed-fields",
        ).stdout
    )["metadata"]["managedFields"]
    managers = {(m["manager"], m["operation"]) for m in fields}
    assert ("goldpipe", "Apply") in managers
    template = live["spec"]["template"]
    assert live["spec"]["suspend"] is True and live["spec"]["concurrencyPolicy"] == "Forbid"
    assert template["arguments"][2:4] == ["--date", "auto"]
    # The pod settings travel as pod templates: the operator passes them to spark-submit.
    driver = template["driver"]["template"]["spec"]
    assert driver["securityContext"]["runAsNonRoot"] is True
    assert driver["containers"][0]["name"] == "spark-kubernetes-driver"
    # A read-only root filesystem: Spark's scratch space is an emptyDir on /tmp.
    assert driver["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True
    assert driver["containers"][0]["volumeMounts"] == [
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "lakehouse", "mountPath": str(e2e.lake)},
    ]
    # What `goldpipe render` prints is what the controller applied (but the owner reference).
    rendered = e2e.deployment.goldpipe(
        "-f",
        str(e2e.deployment.config.directory / "values.yaml"),
        "render",
        "--release",
        RELEASE,
        "-n",
        NAMESPACE,
    )
    assert rendered.returncode == 0, rendered.stderr
    assert "warning" not in rendered.stderr
    import yaml

    docs = {d["metadata"]["name"]: d for d in yaml.safe_load_all(rendered.stdout)}
    assert set(docs) == {SCHEDULE, f"{RELEASE}-maintenance"}  # the gold schedule and maintenance
    for name, doc in docs.items():  # each applied, accepted by the real CRD, as rendered
        applied = live if name == SCHEDULE else e2e.plane.get("scheduledsparkapplication", name, NAMESPACE)
        assert applied is not None, name
        assert doc["spec"] == {k: v for k, v in applied["spec"].items() if k in doc["spec"]}, name


def test_further_passes_change_no_resource_version(e2e: E2E) -> None:
    before = e2e.plane.get("scheduledsparkapplication", SCHEDULE, NAMESPACE)
    assert before is not None
    passes = e2e.deployment.reconciles()
    time.sleep(12)  # two resyncs (values-e2e.yaml: resyncSeconds 5) and a dozen run polls
    after = e2e.plane.get("scheduledsparkapplication", SCHEDULE, NAMESPACE)
    assert after is not None
    assert e2e.deployment.reconciles() >= passes + 2  # the controller did compare, and wrote nothing
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert "Traceback" not in e2e.deployment.controller_log(400)
