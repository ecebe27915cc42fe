"""`helm install` with the Spark Operator subchart on the real node: every pod admitted under
restricted Pod Security, run as a container, Ready by the kubelet's own probes; the controller
works with the token the kubelet mounts; the kubelet enforces the images' non-root user and
their read-only root filesystems."""

from __future__ import annotations

import errno
import functools
import json
import urllib.request
from typing import Any

import yaml

from localcluster.cluster import Cluster
from tests.node.release import NAMESPACE, RELEASE, Release, container_ids
from tests.support.processes import listening_addresses, wait_until

# goldpipe's controller (the operator's pod is a `controller` of the same release, too).
CONTROLLER = f"app.kubernetes.io/name=goldpipe,app.kubernetes.io/instance={RELEASE},app.kubernetes.io/component=controller"
IMAGES = {
    "spark": "ghcr.io/goldpipe/goldpipe-spark:0.1.0",
    "controller": "ghcr.io/goldpipe/goldpipe-controller:0.1.0",
    "operator": "ghcr.io/goldpipe/goldpipe-spark-operator:0.1.0",
}


def _ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions", []))


def test_every_pod_of_the_release_runs_as_a_container_and_is_ready(release: Release) -> None:
    pods = release.pods(f"app.kubernetes.io/instance={RELEASE}")
    components = {p["metadata"]["labels"].get("app.kubernetes.io/component") for p in pods}
    assert {"controller"} <= components, components
    operator = release.pods("app.kubernetes.io/name=spark-operator")
    assert len(operator) == 1
    for pod in [*pods, *operator]:
        if pod["status"]["phase"] == "Succeeded":  # the seed Job
            continue
        name = pod["metadata"]["name"]
        assert pod["status"]["phase"] == "Running" and _ready(pod), name
        assert all(cid.startswith("containerd://") for cid in container_ids(pod)), name
        assert pod["spec"]["nodeName"] == "goldpipe-node"
    namespace = release.json("get", "namespace", NAMESPACE)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_controller_pod_uses_the_token_the_kubelet_mounts(release: Release) -> None:
    [pod] = release.pods(CONTROLLER)
    projected = [v for v in pod["spec"]["volumes"] if "projected" in v]
    assert any("serviceAccountToken" in source for v in projected for source in v["projected"]["sources"]), (
        "no projected ServiceAccount token"
    )
    assert pod["spec"]["serviceAccountName"] == f"{RELEASE}-controller"
    # The pod has no other credentials than that token: the schedules it applied (field manager
    # `goldpipe`) went through the API server with it.
    schedules = release.json("get", "scheduledsparkapplications", "-n", NAMESPACE, "--show-managed-fields")[
        "items"
    ]
    assert {s["metadata"]["name"] for s in schedules} == {f"{RELEASE}-nightly"}
    managers = {m["manager"] for s in schedules for m in s["metadata"]["managedFields"]}
    assert managers == {"goldpipe"}, managers


def test_the_controller_is_probed_by_the_kubelet_and_serves_metrics_on_its_service(release: Release) -> None:
    [pod] = release.pods(CONTROLLER)
    [container] = pod["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 0
    service = release.json("get", "service", "-n", NAMESPACE, f"{RELEASE}-controller")
    address = f"http://{service['spec']['clusterIP']}:{service['spec']['ports'][0]['port']}/metrics"
    # From this machine through the Service's ClusterIP: kube-proxy's rules to the pod's address.
    with urllib.request.urlopen(address, timeout=10) as response:
        assert "goldpipe_reconcile_total" in response.read().decode()


def _probe_pod(name: str, image: str, security: dict[str, Any], command: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [
                {
                    "name": "probe",
                    "image": image,
                    "imagePullPolicy": "Never",
                    "command": command,
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                        **security,
                    },
                    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                }
            ],
            "volumes": [{"name": "tmp", "emptyDir": {}}],
        },
    }


def test_the_kubelet_enforces_non_root_users_and_read_only_root_filesystems(
    node: Cluster, release: Release
) -> None:
    namespace = "node-checks"  # no Pod Security admission: what the kubelet itself refuses
    release.kubectl("create", "namespace", namespace)
    script = "id -u; touch /opt/probe 2>&1 || true; touch /tmp/probe && echo tmp-writable"
    pods = [
        _probe_pod(f"user-{name}", image, {}, ["/bin/sh", "-c", script]) for name, image in IMAGES.items()
    ]
    # The same image told to run as root: the kubelet refuses to start it.
    pods.append(_probe_pod("as-root", IMAGES["spark"], {"runAsUser": 0}, ["id", "-u"]))
    release.kubectl("apply", "-n", namespace, "-f", "-", stdin=yaml.safe_dump_all(pods))

    def phase(name: str) -> str | None:
        pod = release.json("get", "pod", name, "-n", namespace)
        if pod["status"].get("phase") in ("Succeeded", "Failed"):
            return str(pod["status"]["phase"])
        waiting = [s.get("state", {}).get("waiting", {}) for s in pod["status"].get("containerStatuses", [])]
        return "refused" if any(w.get("reason") == "CreateContainerConfigError" for w in waiting) else None

    for name in IMAGES:
        assert (
            wait_until(functools.partial(phase, f"user-{name}"), timeout=120, what=f"probe {name}")
            == "Succeeded"
        )
        log = release.kubectl("logs", "-n", namespace, f"user-{name}").stdout.splitlines()
        assert log[0] == "185", (name, log)  # the image's own USER, checked non-root by the kubelet
        assert "Read-only file system" in log[1], (name, log)
        assert log[2] == "tmp-writable", (name, log)
    assert wait_until(lambda: phase("as-root"), timeout=120, what="as-root refused") == "refused"
    pod = release.json("get", "pod", "as-root", "-n", namespace)
    message = json.dumps(pod["status"]["containerStatuses"])
    assert "non-root" in message, message
    release.kubectl("delete", "namespace", namespace, "--wait=false")


def test_every_listener_of_the_cluster_is_on_loopback_or_the_bridge(node: Cluster, release: Release) -> None:
    allowed = {"127.0.0.1", node.layout.network.gateway}
    names = node.running()
    assert {"kube-apiserver", "kubelet", "kube-proxy", "coredns", "containerd", "etcd"} <= set(names)
    for name in names:
        pid = node.daemons.pid(name)
        assert pid is not None
        addresses = {address for address, _ in listening_addresses(pid)}
        assert addresses and addresses <= allowed, (name, addresses)


def test_a_pod_reaches_nothing_beyond_this_machine(release: Release) -> None:
    """No default route and a DNS that forwards nothing: a name outside the cluster does not
    resolve, and an address outside the pod and Service ranges (TEST-NET-1, never routed) is
    unreachable before any packet leaves."""
    script = (
        "import socket\n"
        "try:\n    socket.getaddrinfo('example.com', 443)\n    print('resolved')\n"
        "except socket.gaierror as e:\n    print('no-name', e.errno == socket.EAI_NONAME)\n"
        "try:\n    socket.create_connection(('192.0.2.1', 443), timeout=5)\n    print('connected')\n"
        "except OSError as e:\n    print('unreachable', e.errno)\n"
        "print(socket.gethostbyname('kubernetes.default.svc.cluster.local'))\n"
    )
    pod = _probe_pod("egress", IMAGES["spark"], {}, ["python", "-c", script])
    release.kubectl("apply", "-n", NAMESPACE, "-f", "-", stdin=yaml.safe_dump(pod))
    try:
        wait_until(
            lambda: (
                release.json("get", "pod", "egress", "-n", NAMESPACE)["status"].get("phase") == "Succeeded"
            ),
            timeout=120,
            what="egress probe",
        )
        lines = release.kubectl("logs", "-n", NAMESPACE, "egress").stdout.splitlines()
    finally:
        release.kubectl("delete", "pod", "egress", "-n", NAMESPACE, "--wait=false")
    assert lines[0] == "no-name True", lines
    assert lines[1] == f"unreachable {errno.ENETUNREACH}", lines
    assert lines[2] == "10.96.0.1", lines
