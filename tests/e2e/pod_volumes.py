"""What a kubelet gives a container, for the local pod runner: its volumes mapped to directories of
this machine, and its environment with the references resolved."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.driver_container import PodStartError, field_value

IMAGE_ROOT = "/opt/goldpipe"  # images/spark/Dockerfile: goldpipe/ and spark_apps/ live here


class VolumeNotReadyError(Exception):
    """A volume's source does not exist yet: a kubelet keeps the pod waiting and retries.
    (spark-submit creates the driver pod first, then the ConfigMaps it mounts.)"""


@dataclass
class PodVolumes:
    core: Any  # kubernetes.client.CoreV1Api
    namespace: str
    checkout: Path
    pods: Path  # per-pod directories for ConfigMap and emptyDir volumes

    def mounts(self, pod: Any, container: Any) -> dict[str, str]:
        """Container path -> host path, for the image's /opt/goldpipe and each mounted volume:
        a claim is the hostPath of its bound PersistentVolume, a ConfigMap is written out, an
        emptyDir is a fresh directory (the last two per pod, like a kubelet's pod directory)."""
        mounts = {IMAGE_ROOT: str(self.checkout)}
        volumes = {v.name: v for v in pod.spec.volumes or []}
        pod_dir = self.pods / pod.metadata.uid
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
    def map(value: str, mounts: Mapping[str, str]) -> str:
        """A container path (also inside a URI or a JDBC URL) as the host path it is mounted from."""
        for inside, outside in sorted(mounts.items(), key=lambda m: -len(m[0])):
            for prefix in ("", "file://", "jdbc:sqlite:"):
                if value == prefix + inside or value.startswith(prefix + inside + "/"):
                    return prefix + outside + value[len(prefix + inside) :]
        return value

    def env(self, pod: Any, container: Any) -> dict[str, str]:
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
                env[var.name] = field_value(pod, source.field_ref.field_path)
        return env
