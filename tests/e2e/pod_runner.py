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

import base64
import datetime as dt
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.processes import die_with_parent

log = logging.getLogger("tests.e2e.pod_runner")

DRIVER_SELECTOR = "spark-role=driver"
IMAGE_ROOT = "/opt/goldpipe"  # images/spark/Dockerfile: goldpipe/ and spark_apps/ live here
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


class PodStartError(Exception):
    """The pod cannot start (what a kubelet would report as a waiting reason)."""


class VolumeNotReadyError(Exception):
    """A volume's source does not exist yet: a kubelet keeps the pod waiting and retries.
    (spark-submit creates the driver pod first, then the ConfigMaps it mounts.)"""


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

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="pod-runner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)

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
                proc = subprocess.run(  # the container's process, with its real exit code
                    die_with_parent(command), env=env, stdout=out, stderr=subprocess.STDOUT, check=False
                )
            execution.exit_code = proc.returncode
            execution.reason = "Completed" if proc.returncode == 0 else "Error"
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
        options, rest = _split_driver_args(args[1:])
        mounts = self._mounts(pod, container)
        properties = self._properties(options["--properties-file"], mounts)
        main, app_args = rest[0], rest[1:]
        props_file = self.logs / f"{pod.metadata.name}.properties"
        props_file.write_text(
            "".join(f"{k}={_escape(v)}\n" for k, v in sorted(properties.items())), encoding="utf-8"
        )
        spark_submit = str(Path(sys.executable).with_name("spark-submit"))
        command = [
            spark_submit, "--master", self.master, "--deploy-mode", "client",
            "--properties-file", str(props_file),
            "--conf", f"spark.jars={','.join(str(j) for j in self.jars)}",
            "--conf", f"spark.driver.extraJavaOptions=-Dlog4j2.configurationFile={self._map(IMAGE_LOG4J, mounts)}",
            self._map(main.removeprefix("local://"), mounts),
            *(self._map(a, mounts) for a in app_args),
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
            **({"JAVA_HOME": _java_home()} if _java_home() else {}),
            **{k: self._map(v, mounts) for k, v in self._env(pod, container).items()},
        }
        return command, env

    def _mounts(self, pod: Any, container: Any) -> dict[str, str]:
        """Container path -> host path, for the image's /opt/goldpipe and each mounted volume:
        a claim is the hostPath of its bound PersistentVolume, a ConfigMap is written out, an
        emptyDir is a fresh directory (the last two per pod, like a kubelet's pod directory)."""
        mounts = {IMAGE_ROOT: str(self.checkout)}
        volumes = {v.name: v for v in pod.spec.volumes or []}
        pod_dir = self.logs / "pods" / pod.metadata.uid
        for mount in container.volume_mounts or []:
            volume = volumes.get(mount.name)
            if volume is None:
                raise PodStartError(f"volume {mount.name!r} is mounted but not defined")
            target = mount.mount_path.rstrip("/")
            if volume.persistent_volume_claim is not None:
                mounts[target] = self._claim_path(volume.persistent_volume_claim.claim_name)
            elif volume.config_map is not None:
                host = pod_dir / "configmaps" / mount.name
                host.mkdir(parents=True, exist_ok=True)
                data = self._configmap_data(volume.config_map.name)
                for key, value in data.items():
                    (host / key).write_text(value, encoding="utf-8")
                mounts[target] = str(host)
            elif volume.empty_dir is not None:
                host = pod_dir / "empty-dirs" / mount.name
                host.mkdir(parents=True, exist_ok=True)
                mounts[target] = str(host)
        return mounts

    def _configmap_data(self, name: str) -> dict[str, str]:
        from kubernetes.client.exceptions import ApiException

        try:
            return dict(self.core.read_namespaced_config_map(name, self.namespace).data or {})
        except ApiException as exc:
            if exc.status == 404:
                raise VolumeNotReadyError(f"ConfigMap {name} not found") from None
            raise

    def _claim_path(self, claim: str) -> str:
        pvc = self.core.read_namespaced_persistent_volume_claim(claim, self.namespace)
        if pvc.status.phase != "Bound" or not pvc.spec.volume_name:
            raise PodStartError(f"volume claim {claim} is not bound")
        pv = self.core.read_persistent_volume(pvc.spec.volume_name)
        if pv.spec.host_path is None:
            raise PodStartError(f"volume {pv.metadata.name} is not a hostPath volume (runner limitation)")
        return str(pv.spec.host_path.path).rstrip("/")

    @staticmethod
    def _map(value: str, mounts: Mapping[str, str]) -> str:
        """A container path (also inside a URI or a JDBC URL) as the host path it is mounted from."""
        for inside, outside in sorted(mounts.items(), key=lambda m: -len(m[0])):
            for prefix in ("", "file://", "jdbc:sqlite:"):
                if value == prefix + inside or value.startswith(prefix + inside + "/"):
                    return prefix + outside + value[len(prefix + inside) :]
        return value

    def _properties(self, path: str, mounts: Mapping[str, str]) -> dict[str, str]:
        host = Path(self._map(path, mounts))
        if not host.is_file():
            raise PodStartError(f"{path} is not in any volume the container mounts")
        properties = _parse_properties(host.read_text(encoding="utf-8"))
        return {k: self._map(v, mounts) for k, v in properties.items() if k not in _CLUSTER_ONLY}

    def _env(self, pod: Any, container: Any) -> dict[str, str]:
        env: dict[str, str] = {}
        for var in container.env or []:
            source = var.value_from
            if source is None:
                env[var.name] = var.value or ""
            elif source.secret_key_ref is not None:
                ref = source.secret_key_ref
                try:
                    secret = self.core.read_namespaced_secret(ref.name, self.namespace)
                except Exception as exc:
                    raise PodStartError(f"secret {ref.name!r} not found for {var.name}") from exc
                if ref.key not in (secret.data or {}):
                    raise PodStartError(f"secret {ref.name!r} has no key {ref.key!r} for {var.name}")
                env[var.name] = base64.b64decode(secret.data[ref.key]).decode()
            elif source.config_map_key_ref is not None:
                ref = source.config_map_key_ref
                env[var.name] = self._configmap_data(ref.name)[ref.key]
            elif source.field_ref is not None:
                env[var.name] = _field(pod, source.field_ref.field_path)
        return env


def _split_driver_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """``--properties-file F --class C main args...`` -> ({option: value}, [main, args...])."""
    options: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i].startswith("--"):
        options[args[i]] = args[i + 1]
        i += 2
    if "--properties-file" not in options or i >= len(args):
        raise PodStartError(f"unexpected driver arguments: {args[:6]}")
    return options, args[i:]


def _parse_properties(text: str) -> dict[str, str]:
    """Java properties as spark-submit writes them (``key=value``, ``#`` comments, ``\\`` escapes)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "!")):
            continue
        key, _, value = line.partition("=")
        out[_unescape(key.strip())] = _unescape(value.strip())
    return out


_JAVA_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    """Java properties escapes: ``\\uXXXX``, ``\\t`` and friends, else the escaped character itself."""
    import re

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        return _JAVA_ESCAPES.get(code, code)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, text)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace(":", "\\:").replace("=", "\\=")


def _field(pod: Any, path: str) -> str:
    values = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.nodeName": pod.spec.node_name or "",
        "spec.serviceAccountName": pod.spec.service_account_name or "",
        "status.podIP": "127.0.0.1",  # the process runs on loopback, whatever kwok reported
        "status.hostIP": "127.0.0.1",
    }
    return str(values.get(path, ""))


def _java_home() -> str:
    import os
    import shutil

    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    return str(Path(java).resolve().parent.parent) if java else ""
