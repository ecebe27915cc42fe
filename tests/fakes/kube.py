"""FakeKube: an in-memory stand-in for the Kubernetes API (a fake, not an API server).

It implements goldpipe's ``KubeApi`` interface, the one ``ClusterApi`` implements on the
kubernetes client, with the behaviour the controller relies on: named objects per resource,
label selectors, a ``resourceVersion`` that changes only when an object's content changes (as
server-side apply does), AlreadyExists and NotFound errors, events, and injectable transient
failures. It does not validate objects against CRDs (the
render tests do that) and knows nothing of garbage collection or the Spark Operator.

It subclasses the protocol, and mypy checks this package (pyproject.toml), so a method whose
signature drifts from ``KubeApi``'s, and so from ``ClusterApi``'s, fails `make lint`.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any

from goldpipe.deploy.kube import AlreadyExistsError, KubeApi, KubeError, NotFoundError


class FakeKube(KubeApi):
    def __init__(self, namespace: str = "analytics") -> None:
        self.namespace = namespace
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.configmaps: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.writes: list[tuple[str, str, str]] = []
        self.failures: list[KubeError] = []
        self._versions = itertools.count(1)
        self._uids = itertools.count(1)

    # test helpers -------------------------------------------------------------------------
    def add_configmap(self, name: str, data: Mapping[str, str] | None = None) -> dict[str, Any]:
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": self.namespace, "uid": f"uid-{next(self._uids)}"},
            "data": dict(data or {}),
        }
        self.configmaps[name] = cm
        return cm

    def set_state(self, plural: str, name: str, state: str, **status: Any) -> None:
        obj = self.objects[plural][name]
        obj["status"] = {"applicationState": {"state": state}, **status}
        obj["metadata"]["resourceVersion"] = str(next(self._versions))

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    # KubeApi --------------------------------------------------------------------------------
    def get_configmap(self, name: str) -> dict[str, Any]:
        self._maybe_fail()
        if name not in self.configmaps:
            raise NotFoundError(f"get configmap {name}: not found")
        return copy.deepcopy(self.configmaps[name])

    def list_objects(self, plural: str, selector: str) -> list[dict[str, Any]]:
        self._maybe_fail()
        wanted = dict(part.split("=", 1) for part in selector.split(",") if part)
        return [
            copy.deepcopy(o)
            for o in self.objects.get(plural, {}).values()
            if all((o["metadata"].get("labels") or {}).get(k) == v for k, v in wanted.items())
        ]

    def get_object(self, plural: str, name: str) -> dict[str, Any]:
        self._maybe_fail()
        try:
            return copy.deepcopy(self.objects[plural][name])
        except KeyError:
            raise NotFoundError(f"get {plural}/{name}: not found") from None

    def apply_object(self, plural: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self._maybe_fail()
        name = body["metadata"]["name"]
        store = self.objects.setdefault(plural, {})
        current = store.get(name)
        new = copy.deepcopy(dict(body))
        if current is not None:
            new["status"] = current.get("status")
            new["metadata"]["uid"] = current["metadata"]["uid"]
            same = {k: v for k, v in new["metadata"].items() if k != "resourceVersion"} == {
                k: v for k, v in current["metadata"].items() if k != "resourceVersion"
            } and new.get("spec") == current.get("spec")
            if same:
                return copy.deepcopy(current)  # a no-op apply: no new resourceVersion
        else:
            new["metadata"]["uid"] = f"uid-{next(self._uids)}"
        new["metadata"]["resourceVersion"] = str(next(self._versions))
        store[name] = new
        self.writes.append(("apply", plural, name))
        return copy.deepcopy(new)

    def create_object(self, plural: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self._maybe_fail()
        name = body["metadata"]["name"]
        store = self.objects.setdefault(plural, {})
        if name in store:
            raise AlreadyExistsError(f"create {plural}/{name}: already exists")
        new = copy.deepcopy(dict(body))
        new["metadata"]["uid"] = f"uid-{next(self._uids)}"
        new["metadata"]["resourceVersion"] = str(next(self._versions))
        new["metadata"]["creationTimestamp"] = "2026-11-25T02:00:00Z"
        store[name] = new
        self.writes.append(("create", plural, name))
        return copy.deepcopy(new)

    def delete_object(self, plural: str, name: str) -> None:
        self._maybe_fail()
        if name not in self.objects.get(plural, {}):
            raise NotFoundError(f"delete {plural}/{name}: not found")
        del self.objects[plural][name]
        self.writes.append(("delete", plural, name))

    def patch_metadata(
        self, plural: str, name: str, labels: Mapping[str, str], annotations: Mapping[str, str]
    ) -> dict[str, Any]:
        self._maybe_fail()
        obj = self.objects[plural][name]
        obj["metadata"].setdefault("labels", {}).update(labels)
        obj["metadata"].setdefault("annotations", {}).update(annotations)
        obj["metadata"]["resourceVersion"] = str(next(self._versions))
        self.writes.append(("patch", plural, name))
        return copy.deepcopy(obj)

    def create_event(
        self, involved: Mapping[str, Any], *, type_: str, reason: str, message: str, name: str | None = None
    ) -> None:
        self._maybe_fail()
        if name is not None and any(e["event_name"] == name for e in self.events):
            raise AlreadyExistsError(f"create event {name}: already exists")
        self.events.append(
            {
                "kind": involved.get("kind"),
                "name": involved["metadata"]["name"],
                "type": type_,
                "reason": reason,
                "message": message,
                "event_name": name,
            }
        )
