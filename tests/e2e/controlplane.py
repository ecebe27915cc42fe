"""A real Kubernetes control plane on loopback: etcd, kube-apiserver (client certificates,
Node+RBAC authorization, PodSecurity admission), kube-controller-manager, kube-scheduler, a kwok
node, the Spark Operator CRDs and the Spark Operator controller (webhook off).

Everything is real but the node: kwok reports pods Running without running them (see
``pod_runner.py`` for the test double that runs Spark driver pods). The binaries are the pinned
builds of ``scripts/install-tools.sh`` (``.tools/bin``); every listener is bound to 127.0.0.1 on
a free port.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from localcluster.pki import Pki, make_pki, write_kubeconfig
from tests.support.processes import Supervisor, free_port, log_tail, wait_until

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
BIN = TOOLS / "bin"
CRDS = TOOLS / "crds"
BINARIES = (
    "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok",
    "spark-operator", "helm",
)  # fmt: skip
KWOK_STAGES = Path(__file__).with_name("kwok-stages.yaml")
NODE = "kwok-node-0"


def missing_binaries() -> list[str]:
    return [b for b in BINARIES if not os.access(BIN / b, os.X_OK)]


@dataclass
class ControlPlane:
    root: Path
    pki: Pki
    server: str
    admin_kubeconfig: Path
    supervisor: Supervisor

    # -- clients ---------------------------------------------------------------------------------
    def env(self, kubeconfig: Path | None = None) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(kubeconfig or self.admin_kubeconfig)}

    def kubectl(
        self,
        *args: str,
        kubeconfig: Path | None = None,
        check: bool = True,
        stdin: str | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(BIN / "kubectl"), *args],
            env=self.env(kubeconfig),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def apply(self, *docs: dict[str, Any], namespace: str | None = None) -> None:
        args = ["apply", "--server-side", "--field-manager=goldpipe-e2e", "-f", "-"]
        if namespace:
            args += ["-n", namespace]
        self.kubectl(*args, stdin=yaml.safe_dump_all(docs))

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        args = ["get", kind, name, "-o", "json"] + (["-n", namespace] if namespace else [])
        proc = self.kubectl(*args, check=False)
        if proc.returncode != 0:
            if "NotFound" in proc.stderr:
                return None
            raise AssertionError(f"kubectl get {kind} {name}: {proc.stderr}")
        return dict(json.loads(proc.stdout))

    def items(self, kind: str, namespace: str, selector: str | None = None) -> list[dict[str, Any]]:
        args = ["get", kind, "-n", namespace, "-o", "json"] + (["-l", selector] if selector else [])
        return list(json.loads(self.kubectl(*args).stdout)["items"])

    def token_kubeconfig(self, service_account: str, namespace: str, path: Path) -> Path:
        """A kubeconfig acting as ``service_account``, with a token from the TokenRequest API."""
        token = self.kubectl(
            "create", "token", service_account, "-n", namespace, "--duration=2h"
        ).stdout.strip()
        return write_kubeconfig(
            path, self.server, self.pki.ca, user=service_account, token=token, namespace=namespace
        )

    def logs(self, name: str) -> str:
        return log_tail(self.supervisor.log(name), 60)

    # -- start-up --------------------------------------------------------------------------------
    @classmethod
    def start(cls, root: Path) -> ControlPlane:
        pki = make_pki(root / "pki")
        supervisor = Supervisor(root / "logs")
        etcd_client, etcd_peer, api = free_port(), free_port(), free_port()
        server = f"https://127.0.0.1:{api}"
        admin = write_kubeconfig(
            root / "admin.kubeconfig",
            server,
            pki.ca,
            user="admin",
            cert=pki.cert("admin"),
            key=pki.key("admin"),
        )
        plane = cls(root, pki, server, admin, supervisor)
        try:
            plane._start_etcd(etcd_client, etcd_peer)
            plane._start_apiserver(api, etcd_client)
            plane._start_controllers()
            plane._start_kwok()
            plane._install_crds()
        except BaseException:
            supervisor.stop_all()
            raise
        return plane

    def stop(self) -> None:
        self.supervisor.stop_all()

    def _start_etcd(self, client: int, peer: int) -> None:
        self.supervisor.start(
            "etcd",
            [
                BIN / "etcd", "--name=e2e", f"--data-dir={self.root / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{client}",
                f"--advertise-client-urls=http://127.0.0.1:{client}",
                f"--listen-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
                f"--initial-cluster=e2e=http://127.0.0.1:{peer}",
                # Test data: durability is not worth the fsyncs on a 2-core machine.
                "--unsafe-no-fsync", "--log-level=warn",
            ],
        )  # fmt: skip

    def _start_apiserver(self, port: int, etcd_client: int) -> None:
        p = self.pki
        self.supervisor.start(
            "kube-apiserver",
            [
                BIN / "kube-apiserver",
                "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={port}",
                f"--etcd-servers=http://127.0.0.1:{etcd_client}",
                f"--client-ca-file={p.ca}",
                f"--tls-cert-file={p.cert('apiserver')}", f"--tls-private-key-file={p.key('apiserver')}",
                f"--service-account-key-file={self.pki.dir / 'sa.pub'}",
                f"--service-account-signing-key-file={self.pki.dir / 'sa.key'}",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-cluster-ip-range=10.96.0.0/12",
                "--authorization-mode=Node,RBAC",
                "--enable-admission-plugins=NodeRestriction,PodSecurity",
                # One API server and no kube-proxy: nothing needs the `kubernetes` Service's endpoints.
                "--endpoint-reconciler-type=none",
            ],
        )  # fmt: skip
        wait_until(
            lambda: self.kubectl("get", "--raw=/readyz", check=False).returncode == 0,
            timeout=120,
            what="kube-apiserver ready",
            details=lambda: self.logs("kube-apiserver"),
        )

    def _start_controllers(self) -> None:
        p = self.pki
        for name in ("controller-manager", "scheduler"):
            write_kubeconfig(
                self.root / f"{name}.kubeconfig",
                self.server,
                p.ca,
                user=name,
                cert=p.cert(name),
                key=p.key(name),
            )
        cm = self.root / "controller-manager.kubeconfig"
        self.supervisor.start(
            "kube-controller-manager",
            [
                BIN / "kube-controller-manager",
                f"--kubeconfig={cm}", f"--authentication-kubeconfig={cm}", f"--authorization-kubeconfig={cm}",
                "--bind-address=127.0.0.1", f"--secure-port={free_port()}", "--leader-elect=false",
                f"--service-account-private-key-file={p.dir / 'sa.key'}", f"--root-ca-file={p.ca}",
                "--use-service-account-credentials=true",
                # No cloud and no pod network: the controllers that need them stay off.
                "--controllers=*,-node-ipam-controller,-cloud-node-lifecycle-controller,"
                "-service-lb-controller,-node-route-controller",
            ],
        )  # fmt: skip
        sched = self.root / "scheduler.kubeconfig"
        self.supervisor.start(
            "kube-scheduler",
            [
                BIN / "kube-scheduler",
                f"--kubeconfig={sched}", f"--authentication-kubeconfig={sched}",
                f"--authorization-kubeconfig={sched}",
                "--bind-address=127.0.0.1", f"--secure-port={free_port()}", "--leader-elect=false",
            ],
        )  # fmt: skip
        # The service-account controller creates each namespace's `default` account: proof of life.
        wait_until(
            lambda: self.get("serviceaccount", "default", "default"),
            timeout=90,
            what="kube-controller-manager running",
            details=lambda: self.logs("kube-controller-manager"),
        )

    def _start_kwok(self) -> None:
        self.supervisor.start(
            "kwok",
            [
                BIN / "kwok", f"--kubeconfig={self.admin_kubeconfig}", f"--config={KWOK_STAGES}",
                "--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--cidr=10.0.0.1/24", "--node-ip=10.0.0.1", f"--server-address=127.0.0.1:{free_port()}",
                "--node-lease-duration-seconds=40",
            ],
        )  # fmt: skip
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": NODE,
                "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {"kubernetes.io/hostname": NODE, "kubernetes.io/os": "linux", "type": "kwok"},
            },
            "status": {
                "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
            },
        }
        self.kubectl("create", "-f", "-", stdin=yaml.safe_dump(node))
        wait_until(
            lambda: any(
                c["type"] == "Ready" and c["status"] == "True"
                for c in ((self.get("node", NODE) or {}).get("status") or {}).get("conditions", [])
            ),
            timeout=60,
            what="kwok node Ready",
            details=lambda: self.logs("kwok"),
        )

    def _install_crds(self) -> None:
        self.kubectl("apply", "--server-side", "-f", str(CRDS.resolve()))
        # The operator exits when it starts before its CRDs are Established.
        for crd in ("sparkapplications", "scheduledsparkapplications"):
            wait_until(functools.partial(self._established, crd), timeout=60, what=f"CRD {crd} established")

    def _established(self, crd: str) -> bool:
        status = (self.get("crd", f"{crd}.sparkoperator.k8s.io") or {}).get("status") or {}
        return any(c["type"] == "Established" and c["status"] == "True" for c in status.get("conditions", []))

    # -- the Spark Operator ----------------------------------------------------------------------
    def start_spark_operator(self, namespace: str) -> None:
        """The operator's controller, webhook off, watching ``namespace``; it submits with the
        venv's spark-submit (pyspark ships Spark's Kubernetes client) and the admin identity."""
        import pyspark

        spark_home = Path(pyspark.__file__).parent
        env = {
            **self.env(),
            "SPARK_HOME": str(spark_home),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            # spark-submit derives the k8s:// master from these, like inside a pod.
            "KUBERNETES_SERVICE_HOST": "127.0.0.1",
            "KUBERNETES_SERVICE_PORT": self.server.rsplit(":", 1)[1],
        }
        self.supervisor.start(
            "spark-operator",
            [
                BIN / "spark-operator", "controller", "start", f"--kubeconfig={self.admin_kubeconfig}",
                f"--namespaces={namespace}", f"--health-probe-bind-address=127.0.0.1:{free_port()}",
                "--metrics-bind-address=0", "--leader-election=false", "--zap-log-level=info",
            ],
            env,
        )  # fmt: skip
        wait_until(
            lambda: (
                self.supervisor.alive("spark-operator") and "Starting workers" in self.logs("spark-operator")
            ),
            timeout=60,
            what="spark-operator started",
            details=lambda: self.logs("spark-operator"),
        )
