"""Facts Helm knows about an installation (the chart's ``release.yaml``): names, labels, the
lakehouse claim. Read from the ConfigMap in the cluster; derived the way ``templates/_helpers.tpl``
does for ``goldpipe render`` outside it (a test compares both on rendered charts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goldpipe.core.errors import ConfigError


@dataclass(frozen=True)
class Release:
    """Facts Helm knows about the installation (the chart's ``release.yaml``)."""

    name: str
    namespace: str
    fullname: str
    config_map_name: str
    chart_version: str
    app_version: str
    labels: Mapping[str, str]
    spark_service_account: str
    lakehouse_claim: str = ""
    lakehouse_mount: str = ""


_TRUNC = 63


def _trunc(name: str, limit: int = _TRUNC) -> str:
    return name[:limit].rstrip("-")


def derive_release(
    values: Mapping[str, Any], *, release_name: str, namespace: str, chart: Mapping[str, Any]
) -> Release:
    """What the chart's ``release.yaml`` would say, for use outside the cluster (``goldpipe render``).

    Mirrors ``templates/_helpers.tpl``; a test compares both on rendered charts.
    """
    name = values.get("nameOverride") or chart.get("name", "goldpipe")
    if values.get("fullnameOverride"):
        fullname = _trunc(values["fullnameOverride"])
    elif name in release_name:
        fullname = _trunc(release_name)
    else:
        fullname = _trunc(f"{release_name}-{name}")
    chart_label = _trunc(f"{chart.get('name', 'goldpipe')}-{chart.get('version', '0.0.0')}".replace("+", "_"))
    labels = {
        "helm.sh/chart": chart_label,
        "app.kubernetes.io/name": _trunc(name),
        "app.kubernetes.io/instance": release_name,
        "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/part-of": "goldpipe",
        **{str(k): str(v) for k, v in (values.get("commonLabels") or {}).items()},
    }
    if chart.get("appVersion"):
        labels["app.kubernetes.io/version"] = str(chart["appVersion"])
    spark_account = values.get("spark", {}).get("serviceAccount") or {}
    fallback = _suffixed(fullname, "spark") if spark_account.get("create", True) else "default"
    spark_sa = spark_account.get("name") or fallback
    embedded = values.get("lakehouse", {}).get("embedded", {})
    claim = ""
    if embedded.get("enabled"):
        claim = embedded.get("existingClaim") or _suffixed(fullname, "lakehouse")
    return Release(
        name=release_name,
        namespace=namespace,
        fullname=fullname,
        config_map_name=_suffixed(fullname, "config"),
        chart_version=str(chart.get("version", "")),
        app_version=str(chart.get("appVersion", "")),
        labels=labels,
        spark_service_account=spark_sa,
        lakehouse_claim=claim,
        lakehouse_mount=str(embedded.get("mountPath", "")) if claim else "",
    )


def _suffixed(fullname: str, suffix: str) -> str:
    """``<fullname>-<suffix>`` within 63 characters (the chart shortens the fullname part)."""
    return f"{_trunc(fullname, _TRUNC - len(suffix) - 1)}-{suffix}"


def release_from_mapping(data: Mapping[str, Any]) -> Release:
    """The chart's ``release.yaml`` (rendered by Helm into the ConfigMap)."""
    try:
        lakehouse = data.get("lakehouse") or {}
        return Release(
            name=str(data["releaseName"]),
            namespace=str(data["namespace"]),
            fullname=str(data["fullname"]),
            config_map_name=str(data["configMapName"]),
            chart_version=str(data.get("chartVersion", "")),
            app_version=str(data.get("appVersion", "")),
            labels={str(k): str(v) for k, v in (data.get("labels") or {}).items()},
            spark_service_account=str(data["sparkServiceAccountName"]),
            lakehouse_claim=str(lakehouse.get("claimName") or ""),
            lakehouse_mount=str(lakehouse.get("mountPath") or ""),
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise ConfigError(f"release.yaml is incomplete: missing {exc}") from None
