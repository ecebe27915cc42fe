"""How each daemon of the cluster is started: its command line (and environment) from the layout
and the ports. Pure: nothing here runs anything (``localcluster.cluster`` does)."""

from __future__ import annotations

import os

from localcluster import configs
from localcluster.layout import Layout, Ports, binary
from localcluster.pki import Pki

# The kubelet's sysctls that protectKernelDefaults checks, at the values it wants: the kubelet
# sees these copies in its own mount namespace, the host keeps its own values.
KERNEL_DEFAULTS = {"vm/overcommit_memory": "1", "kernel/panic": "10", "kernel/panic_on_oops": "1"}


def etcd(layout: Layout, ports: Ports) -> list[str]:
    client, peer = f"http://127.0.0.1:{ports.etcd_client}", f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        binary("etcd"), "--name=node", f"--data-dir={layout.root / 'etcd'}",
        f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=node={peer}", "--listen-metrics-urls=", "--log-level=warn",
        # A throwaway cluster: durability is not worth the fsyncs on a 2-core machine.
        "--unsafe-no-fsync",
    ]  # fmt: skip


def apiserver(layout: Layout, ports: Ports) -> list[str]:
    """On the bridge's address: pods reach it as the `kubernetes` Service, this machine directly."""
    pki, network = Pki(layout.pki), layout.network
    return [
        binary("kube-apiserver"),
        f"--bind-address={network.gateway}", f"--advertise-address={network.gateway}",
        f"--secure-port={ports.apiserver}", f"--etcd-servers=http://127.0.0.1:{ports.etcd_client}",
        f"--client-ca-file={pki.ca}",
        f"--tls-cert-file={pki.cert('apiserver')}", f"--tls-private-key-file={pki.key('apiserver')}",
        f"--kubelet-client-certificate={pki.cert('apiserver-kubelet-client')}",
        f"--kubelet-client-key={pki.key('apiserver-kubelet-client')}",
        f"--kubelet-certificate-authority={pki.ca}",
        "--kubelet-preferred-address-types=InternalIP",
        f"--service-account-key-file={pki.dir / 'sa.pub'}",
        f"--service-account-signing-key-file={pki.dir / 'sa.key'}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-cluster-ip-range={network.service_subnet}",
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction,PodSecurity",
        "--allow-privileged=false",
    ]  # fmt: skip


def controller_manager(layout: Layout, ports: Ports) -> list[str]:
    pki, kubeconfig = Pki(layout.pki), layout.config / "controller-manager.kubeconfig"
    return [
        binary("kube-controller-manager"),
        f"--kubeconfig={kubeconfig}", f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1", f"--secure-port={ports.controller_manager}", "--leader-elect=false",
        f"--service-account-private-key-file={pki.dir / 'sa.key'}", f"--root-ca-file={pki.ca}",
        "--use-service-account-credentials=true",
        # No cloud, one node, addresses from the CNI plugin's own allocator.
        "--controllers=*,-node-ipam-controller,-cloud-node-lifecycle-controller,"
        "-service-lb-controller,-node-route-controller",
    ]  # fmt: skip


def scheduler(layout: Layout, ports: Ports) -> list[str]:
    kubeconfig = layout.config / "scheduler.kubeconfig"
    return [
        binary("kube-scheduler"),
        f"--kubeconfig={kubeconfig}", f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1", f"--secure-port={ports.scheduler}", "--leader-elect=false",
    ]  # fmt: skip


def containerd(layout: Layout) -> tuple[list[str], dict[str, str]]:
    """The command and its environment: pulls go to a proxy nothing listens on (configs.NO_PULLS)."""
    env = {**os.environ, "HTTP_PROXY": configs.NO_PULLS, "HTTPS_PROXY": configs.NO_PULLS, "NO_PROXY": ""}
    return [binary("containerd"), f"--config={layout.config / 'containerd.toml'}"], env


def kubelet(layout: Layout) -> list[str]:
    """In a mount namespace of its own: /proc private in it, the checked tunables bound over with
    the copies `up` writes; the kubelet's root directory stays shared (a shared mount made by
    `up`), so the volumes it mounts reach containerd."""
    binds = " ".join(
        f"mount --bind {layout.config / 'kernel' / name.replace('/', '.')} /proc/sys/{name};"
        for name in KERNEL_DEFAULTS
    )
    command = " ".join([
        "exec", binary("kubelet"), f"--config={layout.config / 'kubelet.yaml'}",
        f"--kubeconfig={layout.config / 'kubelet.kubeconfig'}", f"--root-dir={layout.kubelet_dir}",
        f"--cert-dir={layout.root / 'kubelet-pki'}", f"--hostname-override={layout.node}",
        f"--node-ip={layout.network.gateway}",
    ])  # fmt: skip
    script = f"set -e; mount --make-rprivate /proc; {binds} {command}"
    return [binary("unshare"), "--mount", "--propagation", "unchanged", "--", "/bin/sh", "-c", script]


def kube_proxy(layout: Layout) -> list[str]:
    return [binary("kube-proxy"), f"--config={layout.config / 'kube-proxy.yaml'}"]


def coredns(layout: Layout) -> list[str]:
    return [binary("coredns"), "-conf", str(layout.config / "Corefile")]
