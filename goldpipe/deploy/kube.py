"""The few Kubernetes API calls goldpipe makes, behind one small interface.

``KubeApi`` is what the controller and the CLI depend on; ``ClusterApi`` implements it with the
official client, retrying transient failures (connection errors, 429, 5xx, conflicts) with
exponential backoff and turning the rest into ``KubeError`` with a readable message. Tests use
an in-memory fake of the same interface (``tests/fakes``).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from goldpipe.core.errors import GoldpipeError
from goldpipe.deploy.vocabulary import EVENT_COMPONENT, FIELD_MANAGER, GROUP, VERSION

log = logging.getLogger(__name__)


T = TypeVar("T")


class KubeError(GoldpipeError):
    """A Kubernetes API failure that retrying did not fix."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFoundError(KubeError):
    pass


class AlreadyExistsError(KubeError):
    pass


class KubeApi(Protocol):
    namespace: str

    def get_configmap(self, name: str) -> dict[str, Any]: ...

    def list_objects(self, plural: str, selector: str) -> list[dict[str, Any]]: ...

    def get_object(self, plural: str, name: str) -> dict[str, Any]: ...

    def apply_object(self, plural: str, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def create_object(self, plural: str, body: Mapping[str, Any]) -> dict[str, Any]: ...

    def delete_object(self, plural: str, name: str) -> None: ...

    def patch_metadata(
        self, plural: str, name: str, labels: Mapping[str, str], annotations: Mapping[str, str]
    ) -> dict[str, Any]: ...

    def create_event(
        self, involved: Mapping[str, Any], *, type_: str, reason: str, message: str, name: str | None = None
    ) -> None: ...


def _transient(status: int | None) -> bool:
    return status is None or status in (409, 429) or status >= 500


def with_retries(
    call: Callable[[], T],
    what: str,
    *,
    attempts: int = 5,
    base_delay: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``call``; retry transient API failures with jittered exponential backoff."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    for attempt in range(1, attempts + 1):
        try:
            return call()
        except ApiException as exc:
            status = exc.status
            if status == 404:
                raise NotFoundError(f"{what}: not found") from None
            if status == 409 and "AlreadyExists" in (exc.body or ""):
                raise AlreadyExistsError(f"{what}: already exists") from None
            if not _transient(status) or attempt == attempts:
                raise KubeError(
                    f"{what} failed: HTTP {status} {exc.reason}: {_message(exc)}", status
                ) from None
            error: Exception = exc
        except (HTTPError, OSError) as exc:
            if attempt == attempts:
                raise KubeError(
                    f"{what} failed: cannot reach the Kubernetes API server{_server()} "
                    f"({_network_reason(exc)}) after {attempts} attempts: check the kubeconfig's cluster "
                    "(kubectl cluster-info)"
                ) from None
            error = exc
        delay = base_delay * 2 ** (attempt - 1) * (0.5 + random.random() / 2)
        log.warning("%s: %s; retry %d/%d in %.1fs", what, type(error).__name__, attempt, attempts - 1, delay)
        sleep(delay)
    raise AssertionError("unreachable")


def _network_reason(exc: BaseException) -> str:
    """The innermost cause of a connection failure in a few words (urllib3 nests them deeply)."""
    import re

    while getattr(exc, "reason", None) is not None and isinstance(exc.reason, BaseException):  # type: ignore[attr-defined]
        exc = exc.reason  # type: ignore[attr-defined]
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if match:
        return match.group(1).strip().rstrip(".").lower()
    return text.rsplit(":", maxsplit=1)[-1].strip() or type(exc).__name__


def _server() -> str:
    try:
        from kubernetes import client

        host = client.Configuration.get_default_copy().host
    except Exception:
        return ""
    return f" at {host}" if host else ""


def _message(exc: Any) -> str:
    import json

    try:
        return str(json.loads(exc.body).get("message", exc.body))
    except (TypeError, ValueError):
        return str(exc.body)


class ClusterApi:
    """``KubeApi`` on a real cluster (in-cluster config, else the kubeconfig)."""

    def __init__(self, namespace: str | None = None, context: str | None = None) -> None:
        from kubernetes import client, config

        try:
            config.load_incluster_config()
            in_cluster_ns = open("/var/run/secrets/kubernetes.io/serviceaccount/namespace").read().strip()  # noqa: SIM115
        except (config.ConfigException, OSError):
            try:
                config.load_kube_config(context=context)
            except (config.ConfigException, OSError) as exc:
                raise KubeError(f"no Kubernetes configuration: {exc}") from None
            in_cluster_ns = ""
        self.namespace = namespace or in_cluster_ns or _kubeconfig_namespace(context) or "default"
        self._core = client.CoreV1Api()
        self._custom = client.CustomObjectsApi()

    def get_configmap(self, name: str) -> dict[str, Any]:
        cm = with_retries(
            lambda: self._core.read_namespaced_config_map(name, self.namespace), f"get configmap {name}"
        )
        return dict(self._core.api_client.sanitize_for_serialization(cm))

    def list_objects(self, plural: str, selector: str) -> list[dict[str, Any]]:
        result = with_retries(
            lambda: self._custom.list_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, label_selector=selector
            ),
            f"list {plural}",
        )
        return list(result.get("items", []))

    def get_object(self, plural: str, name: str) -> dict[str, Any]:
        return dict(
            with_retries(
                lambda: self._custom.get_namespaced_custom_object(
                    GROUP, VERSION, self.namespace, plural, name
                ),
                f"get {plural}/{name}",
            )
        )

    def apply_object(self, plural: str, body: Mapping[str, Any]) -> dict[str, Any]:
        name = body["metadata"]["name"]
        applied = with_retries(
            lambda: self._custom.patch_namespaced_custom_object(
                GROUP,
                VERSION,
                self.namespace,
                plural,
                name,
                dict(body),
                field_manager=FIELD_MANAGER,
                force=True,
                _content_type="application/apply-patch+yaml",
            ),
            f"apply {plural}/{name}",
        )
        # The client maps only HTTP 200 to a body: the 201 of an apply that creates the object
        # comes back as None, so read what the server stored.
        return dict(applied) if applied else self.get_object(plural, name)

    def create_object(self, plural: str, body: Mapping[str, Any]) -> dict[str, Any]:
        name = body["metadata"]["name"]
        return dict(
            with_retries(
                lambda: self._custom.create_namespaced_custom_object(
                    GROUP, VERSION, self.namespace, plural, dict(body), field_manager=FIELD_MANAGER
                ),
                f"create {plural}/{name}",
            )
        )

    def delete_object(self, plural: str, name: str) -> None:
        with_retries(
            lambda: self._custom.delete_namespaced_custom_object(
                GROUP, VERSION, self.namespace, plural, name
            ),
            f"delete {plural}/{name}",
        )

    def patch_metadata(
        self, plural: str, name: str, labels: Mapping[str, str], annotations: Mapping[str, str]
    ) -> dict[str, Any]:
        patch = {"metadata": {"labels": dict(labels), "annotations": dict(annotations)}}
        return dict(
            with_retries(
                lambda: self._custom.patch_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    self.namespace,
                    plural,
                    name,
                    patch,
                    _content_type="application/merge-patch+json",
                ),
                f"patch {plural}/{name}",
            )
        )

    def create_event(
        self, involved: Mapping[str, Any], *, type_: str, reason: str, message: str, name: str | None = None
    ) -> None:
        """Post an Event; with ``name`` at most once (a second create raises AlreadyExistsError)."""
        from kubernetes import client

        meta = involved["metadata"]
        now = dt.datetime.now(dt.UTC)
        event = client.CoreV1Event(
            metadata=client.V1ObjectMeta(
                name=name or f"{meta['name']}.{uuid.uuid4().hex[:12]}", namespace=self.namespace
            ),
            involved_object=client.V1ObjectReference(
                api_version=involved.get("apiVersion"),
                kind=involved.get("kind"),
                name=meta["name"],
                namespace=self.namespace,
                uid=meta.get("uid"),
            ),
            reason=reason,
            message=message[:1024],
            type=type_,
            first_timestamp=now,
            last_timestamp=now,
            count=1,
            source=client.V1EventSource(component=EVENT_COMPONENT),
            reporting_component=EVENT_COMPONENT,
        )
        with_retries(
            lambda: self._core.create_namespaced_event(self.namespace, event), f"create event {reason}"
        )


def _kubeconfig_namespace(context: str | None) -> str:
    from kubernetes import config

    try:
        contexts, active = config.list_kube_config_contexts()
    except (config.ConfigException, OSError):
        return ""
    chosen = next((c for c in contexts if c["name"] == context), active) if context else active
    return str((chosen or {}).get("context", {}).get("namespace", ""))
