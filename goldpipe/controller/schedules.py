"""Reconciling ScheduledSparkApplications: pure planning, then a thin apply/delete step."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from goldpipe.deploy.kube import KubeApi
from goldpipe.deploy.render.maintenance import render_maintenance
from goldpipe.deploy.render.manifests import render_schedules
from goldpipe.deploy.settings import Settings
from goldpipe.deploy.vocabulary import (
    ANNOTATION_APPLIED_HASH,
    API_VERSION,
    SCHEDULED_APPS,
)

log = logging.getLogger(__name__)


def owner_reference(configmap: Mapping[str, Any]) -> dict[str, Any]:
    """An owner reference to the chart's ConfigMap: ``helm uninstall`` deletes it, and the
    garbage collector then deletes the schedules (and their runs, which the operator owns)."""
    meta = configmap["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": False,
        "blockOwnerDeletion": False,
    }


def with_owner(doc: Mapping[str, Any], owner: Mapping[str, Any]) -> dict[str, Any]:
    """``doc`` with its owner reference and the hash of its desired content."""
    meta = dict(doc["metadata"])
    meta["ownerReferences"] = [dict(owner)]
    body = {**doc, "metadata": meta}
    annotations = dict(meta.get("annotations") or {})
    annotations[ANNOTATION_APPLIED_HASH] = content_hash(body)
    meta["annotations"] = annotations
    return body


def content_hash(doc: Mapping[str, Any]) -> str:
    """Hash of what goldpipe sets (labels, annotations but this hash, owners, spec)."""
    meta = doc["metadata"]
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k != ANNOTATION_APPLIED_HASH}
    material = {
        "labels": meta.get("labels") or {},
        "annotations": annotations,
        "ownerReferences": meta.get("ownerReferences") or [],
        "spec": doc.get("spec"),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


def _is_subset(desired: Any, live: Any) -> bool:
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(
            k in live and _is_subset(v, live[k]) for k, v in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(desired) == len(live)
            and all(_is_subset(d, item) for d, item in zip(desired, live, strict=True))
        )
    return bool(desired == live)


def needs_apply(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> bool:
    """Apply when missing, when goldpipe's desired content changed (the hash), or when someone
    edited a field goldpipe owns (drift). Otherwise nothing: no write, no resourceVersion churn."""
    if live is None:
        return True
    live_hash = (live.get("metadata", {}).get("annotations") or {}).get(ANNOTATION_APPLIED_HASH)
    if live_hash != desired["metadata"]["annotations"][ANNOTATION_APPLIED_HASH]:
        return True
    desired_view = {
        "metadata": {k: desired["metadata"][k] for k in ("labels", "annotations")},
        "spec": desired["spec"],
    }
    return not _is_subset(desired_view, live)


def desired_schedules(settings: Settings, templates: Path | None = None) -> list[dict[str, Any]]:
    """Every ScheduledSparkApplication the release should have: one per gold schedule, and the
    table maintenance one when ``maintenance.enabled`` (when not, the plan deletes a live one)."""
    return [*render_schedules(settings, templates), *render_maintenance(settings, templates)]


@dataclass
class SchedulePlan:
    apply: list[dict[str, Any]] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def plan_schedules(desired: list[dict[str, Any]], live: list[dict[str, Any]]) -> SchedulePlan:
    """What to apply and what to delete so the cluster matches ``desired`` (pure)."""
    live_by_name = {d["metadata"]["name"]: d for d in live}
    plan = SchedulePlan()
    for doc in desired:
        name = doc["metadata"]["name"]
        if needs_apply(doc, live_by_name.get(name)):
            plan.apply.append(doc)
        else:
            plan.unchanged.append(name)
    wanted = {d["metadata"]["name"] for d in desired}
    plan.delete = sorted(name for name in live_by_name if name not in wanted)
    return plan


def execute_plan(kube: KubeApi, plan: SchedulePlan) -> None:
    for doc in plan.apply:
        applied = kube.apply_object(SCHEDULED_APPS, doc)
        log.info("applied schedule", extra={"schedule": doc["metadata"]["name"]})
        kube.create_event(
            {"apiVersion": API_VERSION, "kind": "ScheduledSparkApplication", "metadata": applied["metadata"]},
            type_="Normal",
            reason="Applied",
            message=f"goldpipe applied schedule {doc['spec']['schedule']!r} ({doc['spec']['timeZone']})",
        )
    for name in plan.delete:
        kube.delete_object(SCHEDULED_APPS, name)
        log.info("deleted schedule no longer in values", extra={"schedule": name})
