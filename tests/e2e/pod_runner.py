"""The local pod runner: a TEST DOUBLE for kubelet + container runtime, for Spark driver pods only.

kwok makes pods exist and report Running, but runs nothing. This runner plays the kubelet for the
driver pods the Spark Operator's spark-submit creates (label ``spark-role=driver``): it runs the
pod's container for real, on this machine, and reports the real exit code in the pod's status.
Everything else (API server, operator, spark-submit, scheduling, the application's states) is the
real thing.

What "running the container" means here, as close to the pod as a machine without containers
allows:
- the command is the Spark image's driver entrypoint: the container's ``args`` (``driver
  --properties-file F --class C <main file> <arguments>``) become ``spark-submit --deploy-mode
  client`` of the same main file and arguments, with the properties file the pod mounts from its
  ConfigMap (spark-submit's real output) and ``--master local[2]`` instead of Kubernetes
  executors (a test double runs no executor pods);
- the filesystem is the image's, mapped: paths under ``/opt/goldpipe`` are the checkout, and each
  PersistentVolumeClaim the container mounts is the hostPath of the PersistentVolume bound to it
  (a claim that is not bound, or not mounted, is a failure, as on a node);
- the environment is the container's ``env``, with ``secretKeyRef``/``configMapKeyRef``/``fieldRef``
  resolved as the kubelet does (a missing Secret fails the pod, CreateContainerConfigError);
- the jars the image keeps in ``/opt/spark/jars`` come from the local jar cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.driver_container import (
    PodStartError,
    escape,
    java_home,
    parse_properties,
    split_driver_args,
)
from tests.e2e.pod_volumes import PodVolumes, VolumeNotReadyError
from tests.support.processes import die_with_parent

log = logging.getLogger("tests.e2e.pod_runner")

DRIVER_SELECTOR = "spark-role=driver"
# A driver still running after this is killed (a kubelet's activeDeadlineSeconds, in effect).
DRIVER_TIMEOUT_SECONDS = 600
IMAGE_LOG4J = "/opt/goldpipe/conf/log4j2.properties"
# Properties that point the driver at the cluster; local mode has its own.
_CLUSTER_ONLY = (
    "spark.master",
    "spark.submit.deployMode",
    "spark.driver.host",
    "spark.driver.port",
    "spark.driver.bindAddress",
    "spark.driver.blockManager.port",
    "spark.blockManager.port",
    "spark.jars",
    "spark.submit.pyFiles",
    "spark.files",
    "spark.repl.local.jars",
)


@dataclass
class Execution:
    pod: str
    app: str
    exit_code: int | None = None
    reason: str = ""
    command: list[str] = field(default_factory=list)
    log: Path | None = None


@dataclass
class PodRunner:
    core: Any  # kubernetes.client.CoreV1Api with the admin identity (a kubelet reads Secrets)
    namespace: str
    checkout: Path
    jars: list[Path]
    logs: Path
    master: str = "local[2]"
    executions: dict[str, Execution] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def executions_of(self, app: str | None = None) -> list[Execution]:
        """The runs of ``app``'s driver pods (of all, without ``app``) so far: a copy, taken under
        the lock, as the runner keeps adding to them."""
        with self._lock:
            return [e for e in self.executions.values() if app is None or e.app == app]

    def __post_init__(self) -> None:
        self.volumes = PodVolumes(self.core, self.namespace, self.checkout, self.logs / "pods")

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="pod-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, and kill the drivers still running (their whole process group: the
        JVM spark-submit starts and the Python it starts)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        with self._lock:
            running = list(self._running.values())
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                pods = self.core.list_namespaced_pod(self.namespace, label_selector=DRIVER_SELECTOR).items
                for pod in pods:
                    name = pod.metadata.name
                    key = f"{name}/{pod.metadata.uid}"
                    with self._lock:
                        if (
                            pod.status.phase != "Running"
                            or key in self.executions
                            or pod.metadata.deletion_timestamp
                        ):
                            continue
                        app = (pod.metadata.labels or {}).get("sparkoperator.k8s.io/app-name", "")
                        self.executions[key] = Execution(name, app)
                    threading.Thread(
                        target=self._run, args=(pod, key), name=f"run-{name}", daemon=True
                    ).start()
            except Exception:  # the API server restarting must not end the runner
                log.exception("pod runner: listing driver pods failed")
            self._stop.wait(0.5)

    # -- one pod ---------------------------------------------------------------------------------
    def _run(self, pod: Any, key: str) -> None:
        execution = self.executions[key]
        started = dt.datetime.now(dt.UTC)
        try:
            command, env = self._wait_for_volumes(pod)
            execution.command = command
            execution.log = self.logs / f"{pod.metadata.name}.log"
            with execution.log.open("wb") as out:
                # The container's process, in a process group of its own (a container's cgroup).
                process = subprocess.Popen(
                    die_with_parent(command),
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                with self._lock:
                    self._running[key] = process
                try:
                    returncode = process.wait(DRIVER_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    returncode = process.wait()
                finally:
                    with self._lock:
                        self._running.pop(key, None)
            execution.exit_code = returncode
            execution.reason = "Completed" if returncode == 0 else "Error"
        except PodStartError as exc:
            execution.exit_code, execution.reason = 128, f"CreateContainerConfigError: {exc}"
        except Exception as exc:  # a runner bug must still end the pod, visibly
            log.exception("pod runner: %s", pod.metadata.name)
            execution.exit_code, execution.reason = 128, f"RunnerError: {exc}"
        self._finish(pod, execution, started)

    def _wait_for_volumes(self, pod: Any, timeout: float = 120) -> tuple[list[str], dict[str, str]]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.container_command(pod)
            except VolumeNotReadyError as exc:
                if time.monotonic() > deadline:
                    raise PodStartError(f"volume not ready after {timeout:.0f}s: {exc}") from None
                time.sleep(0.5)

    def _finish(self, pod: Any, execution: Execution, started: dt.datetime) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        succeeded = execution.exit_code == 0
        status = {
            "status": {
                "phase": "Succeeded" if succeeded else "Failed",
                "conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": now}],
                "containerStatuses": [
                    {
                        "name": c.name,
                        "image": c.image,
                        "imageID": "",
                        "ready": False,
                        "restartCount": 0,
                        "state": {
                            "terminated": {
                                "exitCode": execution.exit_code,
                                "reason": execution.reason[:1024],
                                "startedAt": started.isoformat(timespec="seconds").replace("+00:00", "Z"),
                                "finishedAt": now,
                            }
                        },
                    }
                    for c in pod.spec.containers
                ],
            }
        }
        for attempt in range(10):
            try:
                self.core.patch_namespaced_pod_status(pod.metadata.name, self.namespace, status)
                return
            except Exception:
                if attempt == 9:
                    log.exception("pod runner: cannot report %s", pod.metadata.name)
                time.sleep(1)

    def container_command(self, pod: Any) -> tuple[list[str], dict[str, str]]:
        """The spark-submit command line and environment that run ``pod``'s driver container."""
        container = pod.spec.containers[0]
        args = list(container.args or [])
        if not args or args[0] != "driver":
            raise PodStartError(f"not a Spark driver container: args {args[:3]}")
        options, rest = split_driver_args(args[1:])
        mounts = self.volumes.mounts(pod, container)
        properties = self._properties(options["--properties-file"], mounts)
        main, app_args = rest[0], rest[1:]
        props_file = self.logs / f"{pod.metadata.name}.properties"
        props_file.write_text(
            "".join(f"{k}={escape(v)}\n" for k, v in sorted(properties.items())), encoding="utf-8"
        )
        spark_submit = str(Path(sys.executable).with_name("spark-submit"))
        log4j = self.volumes.map(IMAGE_LOG4J, mounts)
        command = [
            spark_submit, "--master", self.master, "--deploy-mode", "client",
            "--properties-file", str(props_file),
            "--conf", f"spark.jars={','.join(str(j) for j in self.jars)}",
            "--conf", f"spark.driver.extraJavaOptions=-Dlog4j2.configurationFile={log4j}",
            self.volumes.map(main.removeprefix("local://"), mounts),
            *(self.volumes.map(a, mounts) for a in app_args),
        ]  # fmt: skip
        env = {
            # The image's environment (images/spark/Dockerfile), mapped to this machine.
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "PYTHONPATH": str(self.checkout),
            "PYTHONUNBUFFERED": "1",
            "TZ": "UTC",
            "HOME": str(self.logs),
            **({"JAVA_HOME": home} if (home := java_home()) else {}),
            **{k: self.volumes.map(v, mounts) for k, v in self.volumes.env(pod, container).items()},
        }
        return command, env

    def _properties(self, path: str, mounts: Mapping[str, str]) -> dict[str, str]:
        host = Path(self.volumes.map(path, mounts))
        if not host.is_file():
            raise PodStartError(f"{path} is not in any volume the container mounts")
        properties = parse_properties(host.read_text(encoding="utf-8"))
        return {k: self.volumes.map(v, mounts) for k, v in properties.items() if k not in _CLUSTER_ONLY}
