"""Start and stop the cluster: the order of things, what is waited for, what is undone.

`up` is idempotent: a daemon that runs is left alone, files that exist are kept. `down` works
from the pid files and the state directory alone (any earlier `up`, even a half-finished one),
and leaves nothing of the cluster running, mounted or in iptables.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from localcluster import commands, configs, host, images
from localcluster.daemons import Daemons, free_port, log_tail, wait_until
from localcluster.layout import LOCK, Layout, Ports, binary, missing_binaries
from localcluster.pki import CONTROL_PLANE_CLIENTS, Pki, make_pki, write_kubeconfig

# The node's own clients and servers (besides the control plane's, localcluster.pki).
NODE_CLIENTS = {
    "kube-proxy": "/CN=system:kube-proxy",
    "coredns": "/CN=goldpipe:coredns",
    # The API server's identity towards the kubelet (logs, exec, port-forward).
    "apiserver-kubelet-client": "/O=system:masters/CN=kube-apiserver-kubelet-client",
}
# Stop order: nothing recreates pods once the controllers are gone; the kubelet stops before
# containerd, the API server after every client.
STOP_ORDER = (
    "kube-controller-manager", "kube-scheduler", "kube-proxy", "coredns", "kubelet", "containerd",
    "kube-apiserver", "etcd",
)  # fmt: skip


@dataclass
class Cluster:
    layout: Layout
    daemons: Daemons
    say: Callable[[str], None] = print

    @classmethod
    def at(
        cls, layout: Layout, *, die_with_parent: bool = False, say: Callable[[str], None] = print
    ) -> Cluster:
        return cls(layout, Daemons(layout.logs, layout.run, die_with_parent), say)

    # -- clients ----------------------------------------------------------------------------------
    @property
    def pki(self) -> Pki:
        return Pki(self.layout.pki)

    @property
    def server(self) -> str:
        return f"https://{self.layout.network.gateway}:{self.layout.load_ports().apiserver}"

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [binary("kubectl"), f"--kubeconfig={self.layout.kubeconfig}", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {proc.stderr.strip()}")
        return proc

    def apply(self, docs: list[dict[str, Any]]) -> None:
        self.kubectl(
            "apply",
            "--server-side",
            "--field-manager=goldpipe-cluster",
            "-f",
            "-",
            stdin=yaml.safe_dump_all(docs),
        )

    def running(self) -> list[str]:
        return [name for name in STOP_ORDER if self.daemons.pid(name) is not None]

    # -- up ---------------------------------------------------------------------------------------
    def up(self) -> None:
        missing = missing_binaries()
        if missing:
            raise RuntimeError(
                f"missing {', '.join(missing)}: run scripts/install-packages.sh and "
                "scripts/install-tools.sh control-plane node (make cluster does both)"
            )
        if os.geteuid() != 0:
            raise RuntimeError("the cluster needs root (network namespaces, mounts, iptables)")
        start = time.monotonic()
        with self._machine_lock():
            self.layout.root.mkdir(parents=True, exist_ok=True)
            host.record_chains(self.layout)
            host.add_bridge(self.layout.network)
            ports = self._ports()
            self._write_files(ports)
            self._start_control_plane(ports)
            self._start_containerd()
            self._import_images()
            self._start_kubelet()
            self._start_kube_proxy()
            self._start_coredns()
            self._add_volumes()
        self.say(f"cluster up in {time.monotonic() - start:.0f}s: KUBECONFIG={self.layout.kubeconfig}")

    @contextmanager
    def _machine_lock(self) -> Iterator[None]:
        """One cluster per machine (kube-proxy owns the host's KUBE-* chains)."""
        LOCK.parent.mkdir(parents=True, exist_ok=True)
        with LOCK.open("a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lock.seek(0)
            owner = lock.read().strip()
            if (
                owner
                and owner != str(self.layout.root)
                and Path(owner, "run").is_dir()
                and any(Path(owner, "run").glob("*.pid"))
            ):
                raise RuntimeError(
                    f"another goldpipe cluster runs from {owner}: stop it first "
                    f"(python -m localcluster down --dir {owner})"
                )
            lock.seek(0)
            lock.truncate()
            lock.write(str(self.layout.root))
            lock.flush()
            yield

    def _ports(self) -> Ports:
        ports = self.layout.load_ports()
        if ports.apiserver and self.daemons.pid("kube-apiserver"):
            return ports  # a running cluster keeps its ports
        gateway = self.layout.network.gateway
        ports = Ports(
            apiserver=free_port(gateway), etcd_client=free_port(), etcd_peer=free_port(),
            kubelet=free_port(gateway), kubelet_healthz=free_port(), controller_manager=free_port(),
            scheduler=free_port(), proxy_healthz=free_port(), proxy_metrics=free_port(),
        )  # fmt: skip
        self.layout.save_ports(ports)
        return ports

    def _write_files(self, ports: Ports) -> None:
        layout, network = self.layout, self.layout.network
        if not (layout.pki / "ca.crt").exists():
            make_pki(
                layout.pki,
                api_addresses=(network.gateway, network.kubernetes_service, "127.0.0.1"),
                clients={
                    **CONTROL_PLANE_CLIENTS,
                    **NODE_CLIENTS,
                    "kubelet": f"/O=system:nodes/CN=system:node:{layout.node}",
                },
                servers={"kubelet-serving": (network.gateway,)},
                days=365,
            )
        pki, server = self.pki, f"https://{network.gateway}:{ports.apiserver}"
        write_kubeconfig(
            layout.kubeconfig, server, pki.ca, user="admin", cert=pki.cert("admin"), key=pki.key("admin")
        )
        for name in ("controller-manager", "scheduler", "kubelet", "kube-proxy", "coredns"):
            write_kubeconfig(
                layout.config / f"{name}.kubeconfig",
                server,
                pki.ca,
                user=name,
                cert=pki.cert(name),
                key=pki.key(name),
            )
        files = {
            "containerd.toml": configs.containerd(layout),
            "cni/10-goldpipe.conflist": configs.cni(layout),
            "kubelet.yaml": configs.kubelet(layout, ports),
            "kube-proxy.yaml": configs.kube_proxy(layout, ports),
            "Corefile": configs.corefile(layout, ports),
            "resolv.conf": configs.resolv_conf(layout),
        }
        files.update(
            {
                f"kernel/{name.replace('/', '.')}": f"{value}\n"
                for name, value in commands.KERNEL_DEFAULTS.items()
            }
        )
        for name, text in files.items():
            path = layout.config / name
            path.parent.mkdir(parents=True, exist_ok=True)
            # Only changes: kube-proxy exits when its file is written, even with the same content.
            if not path.exists() or path.read_text() != text:
                path.write_text(text)

    def _start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        if self.daemons.pid(name) is None:
            self.daemons.start(name, argv, env)
            self.say(f"started  {name}")

    def _wait(self, name: str, probe: Callable[[], object], timeout: float, what: str) -> None:
        wait_until(
            lambda: self.daemons.alive(name) and probe(),
            timeout=timeout,
            what=what,
            details=lambda: log_tail(self.daemons.log(name)),
        )

    def _start_control_plane(self, ports: Ports) -> None:
        self._start("etcd", commands.etcd(self.layout, ports))
        self._start("kube-apiserver", commands.apiserver(self.layout, ports))
        self._wait(
            "kube-apiserver",
            lambda: self.kubectl("get", "--raw=/readyz", check=False).returncode == 0,
            120,
            "kube-apiserver ready",
        )
        self._start("kube-controller-manager", commands.controller_manager(self.layout, ports))
        self._start("kube-scheduler", commands.scheduler(self.layout, ports))
        self.apply(configs.COREDNS_RBAC)

    def _start_containerd(self) -> None:
        self.layout.containerd_root.mkdir(parents=True, exist_ok=True)
        self._start("containerd", *commands.containerd(self.layout))
        self._wait("containerd", lambda: images.ctr(self.layout, "version"), 60, "containerd ready")

    def _import_images(self) -> None:
        for archive in [images.pause_archive(), *images.goldpipe_archives()]:
            started = time.monotonic()
            names = images.import_archive(self.layout, archive)
            if names:
                self.say(f"imported {', '.join(names)} in {time.monotonic() - started:.0f}s")

    def _start_kubelet(self) -> None:
        host.make_shared_mount(self.layout.kubelet_dir)
        self._start("kubelet", commands.kubelet(self.layout))
        self._wait("kubelet", self._node_ready, 120, f"node {self.layout.node} Ready")

    def _node_ready(self) -> bool:
        proc = self.kubectl("get", "node", self.layout.node, "-o", "json", check=False)
        if proc.returncode != 0:
            return False
        conditions = json.loads(proc.stdout).get("status", {}).get("conditions", [])
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

    def _start_kube_proxy(self) -> None:
        self._start("kube-proxy", commands.kube_proxy(self.layout))
        # The `kubernetes` Service's rules are the first kube-proxy writes.
        service = self.layout.network.kubernetes_service
        self._wait(
            "kube-proxy",
            lambda: service in host.run("iptables", "-t", "nat", "-S", "KUBE-SERVICES", check=False).stdout,
            60,
            "kube-proxy's Service rules",
        )

    def _start_coredns(self) -> None:
        self._start("coredns", commands.coredns(self.layout))
        self._wait(
            "coredns",
            lambda: "CoreDNS-" in self.daemons.log("coredns").read_text(errors="replace"),
            60,
            "CoreDNS serving",
        )

    def _add_volumes(self) -> None:
        """PersistentVolumes on host directories for claims without a storage class (there is no
        provisioner): owned by 185, the user every goldpipe container runs as."""
        volumes = configs.persistent_volumes(self.layout)
        for volume in volumes:
            directory = Path(volume["spec"]["hostPath"]["path"])
            directory.mkdir(parents=True, exist_ok=True)
            os.chown(directory, 185, 185)
        self.apply(volumes)

    # -- down -------------------------------------------------------------------------------------
    def down(self) -> None:
        start = time.monotonic()
        layout = self.layout
        # Nothing recreates or places pods any more; then the kubelet stops them all.
        for name in STOP_ORDER[:2]:
            self._stop(name)
        if self.daemons.pid("kube-apiserver") and self.daemons.pid("kubelet"):
            self._drain()
        for name in [*STOP_ORDER[2:], *self.daemons.names()]:  # and anything else with a pid file
            self._stop(name)
        killed = host.kill_pods()
        if killed:
            self.say(f"killed   {killed} process(es) of pods the kubelet had not stopped")
        host.kill_shims(layout.containerd_socket)
        if Path(binary("kube-proxy")).exists():
            host.run(binary("kube-proxy"), "--cleanup", check=False)
        host.delete_added_chains(layout)
        host.unmount_below(layout.root)
        host.unmount_below(layout.containerd_root)
        host.remove_cgroups()
        host.delete_bridge(layout.network)
        if layout.root.exists():
            shutil.rmtree(layout.root)
        self._release_lock()
        self.say(f"cluster down in {time.monotonic() - start:.0f}s ({layout.root} removed)")

    def _stop(self, name: str) -> None:
        if self.daemons.pid(name) is not None:
            self.daemons.stop(name)
            self.say(f"stopped  {name}")

    def _drain(self) -> None:
        """Delete every pod through the API and wait until the kubelet has stopped their
        containers and torn down their networks (the proper way: CNI DEL for each sandbox)."""
        self.kubectl(
            "delete", "pods", "--all", "--all-namespaces", "--grace-period=5", "--wait=false", check=False
        )
        try:
            wait_until(
                lambda: (
                    not self.kubectl("get", "pods", "-A", "-o", "name").stdout.strip()
                    and not images.ctr(self.layout, "tasks", "ls", "-q").stdout.strip()
                ),
                timeout=60,
                what="every pod gone",
            )
        except (TimeoutError, RuntimeError) as exc:
            self.say(f"warning: {exc}".splitlines()[0] + " (their processes are killed)")

    def _release_lock(self) -> None:
        if LOCK.exists() and LOCK.read_text().strip() == str(self.layout.root):
            LOCK.unlink(missing_ok=True)
