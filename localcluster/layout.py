"""Where a cluster's files live, which addresses it uses and which binaries it runs.

One cluster at a time per machine: its kube-proxy owns the host's KUBE-* iptables chains and
its CoreDNS port 53 of its bridge. The cluster's state directory holds everything of it but
the container images (containerd's content store is a cache, kept between clusters).
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = ROOT / ".tools" / "bin"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "goldpipe"
IMAGES_CACHE = Path(os.environ.get("GOLDPIPE_IMAGES_CACHE") or CACHE / "images")
# The pinned builds of scripts/install-tools.sh (control-plane, node).
GO_BINARIES = (
    "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kubelet",
    "kube-proxy", "coredns",
)  # fmt: skip
# Debian's packages (scripts/install-packages.sh node).
SYSTEM_BINARIES = ("containerd", "containerd-shim-runc-v2", "runc", "ctr", "iptables", "unshare", "ip")
CNI_PLUGINS = Path("/usr/lib/cni")
# The whole machine's lock: which state directory the running cluster belongs to.
LOCK = Path("/run/goldpipe-cluster.lock")


@dataclass(frozen=True)
class Network:
    """The cluster's addresses: pods on a bridge of this machine, Services on a virtual range."""

    bridge: str = "goldpipe0"
    pod_subnet: str = "10.244.0.0/24"
    service_subnet: str = "10.96.0.0/16"

    @property
    def gateway(self) -> str:
        """The bridge's own address: the node's IP, where the API server, kubelet and DNS listen."""
        return str(next(ipaddress.ip_network(self.pod_subnet).hosts()))

    @property
    def prefix(self) -> int:
        return ipaddress.ip_network(self.pod_subnet).prefixlen

    @property
    def kubernetes_service(self) -> str:
        """The `kubernetes` Service's ClusterIP: the first address of the Service range."""
        return str(next(ipaddress.ip_network(self.service_subnet).hosts()))


@dataclass
class Ports:
    """Ports chosen when the cluster starts (free at that moment), kept in ``cluster.json``."""

    apiserver: int = 0
    etcd_client: int = 0
    etcd_peer: int = 0
    kubelet: int = 0
    kubelet_healthz: int = 0
    controller_manager: int = 0
    scheduler: int = 0
    proxy_healthz: int = 0
    proxy_metrics: int = 0
    dns: int = 53


@dataclass(frozen=True)
class Layout:
    root: Path
    network: Network = field(default_factory=Network)
    node: str = "goldpipe-node"
    containerd_root: Path = CACHE / "cluster" / "containerd"

    # -- files ------------------------------------------------------------------------------------
    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig (client certificate of group system:masters)."""
        return self.root / "kubeconfig"

    @property
    def kubelet_dir(self) -> Path:
        """The kubelet's --root-dir: a shared mount, so its volume mounts reach containerd."""
        return self.root / "kubelet"

    @property
    def containerd_state(self) -> Path:
        return self.root / "containerd"

    @property
    def containerd_socket(self) -> Path:
        return self.containerd_state / "containerd.sock"

    @property
    def volumes(self) -> Path:
        """The PersistentVolumes' host directories."""
        return self.root / "volumes"

    @property
    def state_file(self) -> Path:
        return self.root / "cluster.json"

    # -- ports ------------------------------------------------------------------------------------
    def load_ports(self) -> Ports:
        data = json.loads(self.state_file.read_text()) if self.state_file.is_file() else {}
        return Ports(**data.get("ports", {}))

    def save_ports(self, ports: Ports) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps({"ports": asdict(ports)}, indent=2) + "\n")


def binary(name: str) -> str:
    """The path of one of the cluster's binaries: the pinned Go builds, else the system's."""
    pinned = TOOLS_BIN / name
    if name in GO_BINARIES:
        return str(pinned)
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin")
    return found or name


def missing_binaries() -> list[str]:
    missing = [n for n in GO_BINARIES if not os.access(TOOLS_BIN / n, os.X_OK)]
    missing += [n for n in SYSTEM_BINARIES if shutil.which(binary(n)) is None]
    missing += [
        f"CNI plugin {p}"
        for p in ("bridge", "host-local", "loopback", "portmap")
        if not (CNI_PLUGINS / p).is_file()
    ]
    return missing
