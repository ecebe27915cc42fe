"""goldpipe deployed on the test control plane: the chart installed with the real helm, and the
goldpipe controller run as a local process with the chart's ServiceAccount identity.

The chart's controller Deployment gets a pod like on any cluster, but on a kwok node nothing
runs in it. Its process runs here instead, with what the kubelet would give the pod: the
ServiceAccount's token (from the TokenRequest API), the ConfigMap as files in a directory that
is swapped atomically when the ConfigMap changes (like a kubelet's ConfigMap volume), and the
lakehouse volume (the chart's ``mountPath`` is the host directory itself).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goldpipe.deploy.vocabulary import EVENT_COMPONENT
from tests.e2e.controlplane import BIN, CRDS, ROOT, ControlPlane
from tests.support.processes import Supervisor, free_port, log_tail, wait_until

RELEASE = "goldpipe"
NAMESPACE = "analytics"
VALUES = Path(__file__).with_name("values-e2e.yaml")
CONTROLLER_SA = f"{RELEASE}-controller"
SPARK_SA = f"{RELEASE}-spark"
CONFIGMAP = f"{RELEASE}-config"
SCHEDULE = f"{RELEASE}-nightly"
GOLDPIPE = Path(sys.executable).with_name("goldpipe")


def one_off_run(job: str, day: dt.date) -> str:
    """The name `goldpipe run`/`backfill` give a run of ``job`` on ``day`` (goldpipe.deploy.render.manifests.run_name)."""
    return f"{RELEASE}-{job.replace('_', '-')}-{day:%Y%m%d}"


@dataclass
class ConfigVolume:
    """A ConfigMap projected into a directory the way the kubelet does it: files are symlinks
    into ``..data``, which is swapped in one rename when the ConfigMap's content changes."""

    plane: ControlPlane
    directory: Path
    _seen: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sync(self) -> None:
        with self._lock:  # the follower thread and the tests both sync
            self._sync()

    def _sync(self) -> None:
        configmap = self.plane.get("configmap", CONFIGMAP, NAMESPACE)
        if configmap is None:
            return
        version = configmap["metadata"]["resourceVersion"]
        if version == self._seen:
            return
        data: dict[str, str] = configmap.get("data") or {}
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = self.directory / f"..{dt.datetime.now(dt.UTC):%Y_%m_%d_%H_%M_%S.%f}"
        stamp.mkdir()
        for key, value in data.items():
            (stamp / key).write_text(value, encoding="utf-8")
        link = self.directory / "..data_tmp"
        link.unlink(missing_ok=True)
        link.symlink_to(stamp.name)
        link.replace(self.directory / "..data")
        for key in data:
            visible = self.directory / key
            if not visible.is_symlink():
                visible.symlink_to(f"..data/{key}")
        for stale in self.directory.iterdir():
            if stale.is_symlink() and not stale.name.startswith("..") and stale.name not in data:
                stale.unlink()
        self._seen = version

    def follow(self) -> None:
        """Keep syncing in the background (a kubelet does so within a minute; this within a second)."""

        def loop() -> None:
            while not self._stop.wait(1.0):
                with contextlib.suppress(Exception):  # the API server may be briefly unavailable
                    self.sync()

        threading.Thread(target=loop, name="configmap-volume", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Deployment:
    plane: ControlPlane
    root: Path
    lake: Path
    sets: tuple[str, ...] = ()  # extra `helm --set` values of every install and upgrade
    port: int = field(default_factory=free_port)
    supervisor: Supervisor = field(init=False)
    config: ConfigVolume = field(init=False)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.root / "logs")
        self.config = ConfigVolume(self.plane, self.root / "config")

    # -- helm ------------------------------------------------------------------------------------
    def helm(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        home = self.root / "helm-home"
        env = {
            **self.plane.env(),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }
        proc = subprocess.run(
            [str(BIN / "helm"), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def values_args(self, *sets: str) -> list[str]:
        """The e2e values plus the facts of this machine (lakehouse directory, a free port)."""
        args = ["-f", str(VALUES), "--set", f"lakehouse.embedded.mountPath={self.lake}"]
        args += ["--set", f"controller.port={self.port}"]
        for s in (*self.sets, *sets):
            args += ["--set", s]
        return args

    def install(self) -> subprocess.CompletedProcess[str]:
        return self.helm(
            "install", RELEASE, str(ROOT), "-n", NAMESPACE, *self.values_args(), "--wait", "--timeout", "180s"
        )

    def upgrade(self, *sets: str) -> subprocess.CompletedProcess[str]:
        return self.helm(
            "upgrade",
            RELEASE,
            str(ROOT),
            "-n",
            NAMESPACE,
            *self.values_args(*sets),
            "--wait",
            "--timeout",
            "180s",
        )

    # -- the controller process -------------------------------------------------------------------
    def start_controller(self) -> None:
        self.config.sync()
        kubeconfig = self.plane.token_kubeconfig(
            CONTROLLER_SA, NAMESPACE, self.root / "controller.kubeconfig"
        )
        env = {
            **os.environ,
            "KUBECONFIG": str(kubeconfig),
            "POD_NAMESPACE": NAMESPACE,
            "GOLDPIPE_LOG_LEVEL": "debug",
            "GOLDPIPE_CRDS_DIR": str(CRDS),
        }
        self.supervisor.start(
            "goldpipe-controller",
            [
                GOLDPIPE,
                "controller",
                "--config-dir",
                str(self.config.directory),
                "--bind-address",
                "127.0.0.1",
            ],
            env,
        )
        wait_until(
            lambda: self.supervisor.alive("goldpipe-controller") and self._ready(),
            timeout=60,
            what="goldpipe controller ready",
            details=self.controller_log,
        )

    def reconciles(self) -> int:
        """Successful reconciliations so far, from the controller's Prometheus metrics."""
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as response:
            text = response.read().decode()
        [line] = [row for row in text.splitlines() if row.startswith('goldpipe_reconcile_total{result="ok"}')]
        return int(float(line.split()[-1]))

    def _ready(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop_controller(self) -> None:
        self.supervisor.stop("goldpipe-controller")

    def kill_controller(self) -> None:
        """SIGKILL: no cleanup, no flush, like a node dying under the pod."""
        for name, process in list(self.supervisor.started):
            if name == "goldpipe-controller":
                process.kill()
                process.wait(10)
                self.supervisor.started.remove((name, process))

    def controller_log(self, lines: int = 60) -> str:
        return log_tail(self.supervisor.log("goldpipe-controller"), lines)

    def stop(self) -> None:
        self.config.stop()
        self.supervisor.stop_all()

    # -- the CLI ----------------------------------------------------------------------------------
    def goldpipe(
        self, *args: str, kubeconfig: Path | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """``goldpipe ARGS`` as a user on a laptop: the admin kubeconfig unless told otherwise."""
        env = {**self.plane.env(kubeconfig), "GOLDPIPE_CRDS_DIR": str(CRDS)}
        return subprocess.run(
            [str(GOLDPIPE), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    # -- objects -------------------------------------------------------------------------------
    def app(self, name: str) -> dict[str, Any] | None:
        return self.plane.get("sparkapplication", name, NAMESPACE)

    def events(self, name: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.plane.items("events", NAMESPACE)
            if e["involvedObject"].get("name") == name
            and e.get("source", {}).get("component") == EVENT_COMPONENT
        ]
