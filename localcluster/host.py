"""What the cluster changes on this machine, and how `down` undoes each change.

- the bridge (its address is the node's IP) and a route that keeps the Service range on it;
- two iptables rules that let pods of the bridge talk to each other (bridged traffic passes the
  FORWARD chain; a host whose policy is DROP would cut it): tagged with a comment, deleted by it;
- the iptables chains kube-proxy and the kubelet add (KUBE-*): `kube-proxy --cleanup`, then any
  KUBE-* chain that did not exist when the cluster started;
- mounts under the state directory (the kubelet's shared root, volumes, containerd's sandboxes);
- the kubelet's cgroups (``kubepods`` under every hierarchy).

The pod subnet has no route off the machine and no masquerading: pods reach the bridge's
address and each other, nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

from localcluster.layout import Layout, Network

COMMENT = "goldpipe-cluster"
IPTABLES_TABLES = ("filter", "nat", "mangle")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc


# -- the bridge ----------------------------------------------------------------------------------
def add_bridge(network: Network) -> None:
    if run("ip", "link", "show", network.bridge, check=False).returncode != 0:
        run("ip", "link", "add", network.bridge, "type", "bridge")
    address = f"{network.gateway}/{network.prefix}"
    if address not in run("ip", "-o", "-4", "addr", "show", "dev", network.bridge).stdout:
        run("ip", "addr", "add", address, "dev", network.bridge)
    run("ip", "link", "set", network.bridge, "up")
    # Host processes reach ClusterIPs through kube-proxy's DNAT; the route keeps such a packet on
    # the bridge (never the default route) even before kube-proxy has written its rules.
    run("ip", "route", "replace", network.service_subnet, "dev", network.bridge)
    for rule in _forward_rules(network):
        if run("iptables", "-C", *rule, check=False).returncode != 0:
            run("iptables", "-I", *rule)


def delete_bridge(network: Network) -> None:
    run("ip", "route", "del", network.service_subnet, "dev", network.bridge, check=False)
    for rule in _forward_rules(network):
        while run("iptables", "-D", *rule, check=False).returncode == 0:
            pass
    run("ip", "link", "del", network.bridge, check=False)


def _forward_rules(network: Network) -> list[list[str]]:
    tag = ["-m", "comment", "--comment", COMMENT, "-j", "ACCEPT"]
    return [
        ["FORWARD", "-i", network.bridge, "-o", network.bridge, *tag],
        ["FORWARD", "-s", network.pod_subnet, "-d", network.pod_subnet, *tag],
    ]


# -- iptables chains -----------------------------------------------------------------------------
def kube_chains() -> dict[str, list[str]]:
    """The KUBE-* chains of each table."""
    chains: dict[str, list[str]] = {}
    for table in IPTABLES_TABLES:
        listing = run("iptables", "-t", table, "-S", check=False).stdout.splitlines()
        chains[table] = [line.split()[1] for line in listing if line.startswith("-N KUBE-")]
    return chains


def record_chains(layout: Layout) -> None:
    """Before anything of Kubernetes runs: the KUBE-* chains that are not the cluster's."""
    path = layout.root / "iptables-before.json"
    if not path.exists():
        path.write_text(json.dumps(kube_chains()))


def delete_added_chains(layout: Layout) -> None:
    path = layout.root / "iptables-before.json"
    before: dict[str, list[str]] = json.loads(path.read_text()) if path.exists() else {}
    for table, chains in kube_chains().items():
        added = [c for c in chains if c not in before.get(table, [])]
        # First every rule that jumps to one of them, then the chains.
        for line in run("iptables", "-t", table, "-S", check=False).stdout.splitlines():
            parts = line.split()
            if parts[:1] == ["-A"] and "-j" in parts and parts[parts.index("-j") + 1] in added:
                run("iptables", "-t", table, "-D", *parts[1:], check=False)
        for chain in added:
            run("iptables", "-t", table, "-F", chain, check=False)
        for chain in added:
            run("iptables", "-t", table, "-X", chain, check=False)


# -- mounts and cgroups --------------------------------------------------------------------------
def make_shared_mount(directory: Path) -> None:
    """``directory`` as a mount of its own with shared propagation (once)."""
    directory.mkdir(parents=True, exist_ok=True)
    if str(directory) not in _mount_points():
        run("mount", "--bind", str(directory), str(directory))
    run("mount", "--make-rshared", str(directory))


def _mount_points() -> list[str]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        # Field 5 is the mount point, with spaces etc. octal-escaped.
        points.append(line.split()[4].encode().decode("unicode_escape"))
    return points


def unmount_below(directory: Path) -> None:
    """Every mount at or below ``directory``, deepest first (lazily when busy)."""
    prefix = str(directory.resolve())
    for point in sorted(
        (p for p in _mount_points() if p == prefix or p.startswith(prefix + "/")), reverse=True
    ):
        if run("umount", point, check=False).returncode != 0:
            run("umount", "--lazy", point, check=False)


def _kubepods() -> Iterator[Path]:
    if not CGROUP_ROOT.is_dir():
        return
    for hierarchy in CGROUP_ROOT.iterdir():
        candidate = hierarchy / "kubepods"
        if candidate.is_dir():
            yield candidate


def kill_pods() -> int:
    """SIGKILL every process in the kubelet's cgroups (what is left of the pods once the kubelet
    and containerd are gone); the number killed."""
    pids: set[int] = set()
    for tree in _kubepods():
        for procs in tree.rglob("cgroup.procs"):
            with contextlib.suppress(OSError):
                pids.update(int(p) for p in procs.read_text().split())
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return len(pids)


def remove_cgroups() -> None:
    """The kubelet's cgroup trees (empty once every container is gone), leaves first."""
    for tree in _kubepods():
        for directory, _, _ in sorted(os.walk(tree), key=lambda w: w[0].count("/"), reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(directory)


def kill_shims(socket_path: Path) -> None:
    """containerd's shims outlive containerd: kill those of this cluster's socket."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            cmdline
            and cmdline[0].endswith(b"containerd-shim-runc-v2")
            and str(socket_path).encode() in cmdline
        ):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)
