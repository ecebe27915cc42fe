"""A typed view of the chart values: schedules with resolved resources, release facts, catalog.

``pipeline_settings`` is the one place that interprets the values for rendering; the CLI and
the controller both go through it, so ``goldpipe render`` prints what the controller applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from goldpipe.chart import invalid_values_message, schema_errors
from goldpipe.checks.config import ChecksConfig, checks_config
from goldpipe.config import CatalogConfig, catalog_from_mapping, resolve_embedded, validate_catalog
from goldpipe.contract import JOB_NAMES
from goldpipe.errors import ConfigError


@dataclass(frozen=True)
class DynamicAllocation:
    initial_executors: int
    min_executors: int
    max_executors: int


@dataclass(frozen=True)
class Resources:
    driver_cores: int
    driver_memory: str
    executor_instances: int
    executor_cores: int
    executor_memory: str
    dynamic_allocation: DynamicAllocation | None = None


@dataclass(frozen=True)
class Schedule:
    name: str
    jobs: tuple[str, ...]
    cron: str
    time_zone: str
    concurrency_policy: str
    suspend: bool
    successful_run_history_limit: int
    failed_run_history_limit: int
    max_catch_up_days: int
    resources: Resources


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


@dataclass(frozen=True)
class CredentialRef:
    env: str
    secret_name: str
    secret_key: str


@dataclass(frozen=True)
class Settings:
    release: Release
    schedules: tuple[Schedule, ...]
    catalog: CatalogConfig
    credentials: tuple[CredentialRef, ...]
    checks: ChecksConfig
    values: Mapping[str, Any] = field(repr=False)

    @property
    def write_audit_publish(self) -> bool:
        """Runs leave their output on the audit branch and the controller publishes it."""
        return self.checks.enabled

    def schedule(self, name: str) -> Schedule:
        for s in self.schedules:
            if s.name == name:
                return s
        raise ConfigError(f"unknown schedule {name!r}; known: {', '.join(s.name for s in self.schedules)}")

    def schedule_of_job(self, job: str) -> Schedule | None:
        return next((s for s in self.schedules if job in s.jobs), None)

    def default_resources(self) -> Resources:
        return _resources(self.values.get("defaults", {}), {})


def _resources(defaults: Mapping[str, Any], override: Mapping[str, Any]) -> Resources:
    def pick(section: str, key: str) -> Any:
        own = override.get(section) or {}
        return own[key] if key in own else defaults[section][key]

    dynamic = None
    if pick("dynamicAllocation", "enabled"):
        dynamic = DynamicAllocation(
            initial_executors=int(pick("dynamicAllocation", "initialExecutors")),
            min_executors=int(pick("dynamicAllocation", "minExecutors")),
            max_executors=int(pick("dynamicAllocation", "maxExecutors")),
        )
    return Resources(
        driver_cores=int(pick("driver", "cores")),
        driver_memory=str(pick("driver", "memory")),
        executor_instances=int(pick("executor", "instances")),
        executor_cores=int(pick("executor", "cores")),
        executor_memory=str(pick("executor", "memory")),
        dynamic_allocation=dynamic,
    )


def _schedules(values: Mapping[str, Any]) -> tuple[Schedule, ...]:
    defaults = values["defaults"]
    schedules = []
    owner: dict[str, str] = {}
    for name, spec in sorted((values.get("schedules") or {}).items()):
        if spec is None:
            continue
        jobs = tuple(j for j in JOB_NAMES if j in spec["jobs"])
        for job in jobs:
            if job in owner:
                raise ConfigError(
                    f"job {job} is in schedules {owner[job]!r} and {name!r}: each job may run in one "
                    f"schedule only (Helm merges your schedules with the chart's default 'nightly'; "
                    f"set its jobs, or schedules.nightly: null)"
                )
            owner[job] = name
        dynamic = (spec.get("dynamicAllocation") or {}).get("enabled")
        if dynamic is None:
            dynamic = defaults["dynamicAllocation"]["enabled"]
        resources = _resources(defaults, spec)
        if resources.dynamic_allocation:
            da = resources.dynamic_allocation
            if not da.min_executors <= da.initial_executors <= da.max_executors:
                raise ConfigError(
                    f"schedules.{name}.dynamicAllocation: need minExecutors <= initialExecutors <= "
                    f"maxExecutors, got {da.min_executors}, {da.initial_executors}, {da.max_executors}"
                )
        schedules.append(
            Schedule(
                name=name,
                jobs=jobs,
                cron=str(spec["schedule"]),
                time_zone=str(spec.get("timeZone", "UTC")),
                concurrency_policy=str(spec.get("concurrencyPolicy", "Forbid")),
                suspend=bool(spec.get("suspend", False)),
                successful_run_history_limit=int(spec.get("successfulRunHistoryLimit", 3)),
                failed_run_history_limit=int(spec.get("failedRunHistoryLimit", 5)),
                max_catch_up_days=int(spec.get("maxCatchUpDays", 7)),
                resources=resources,
            )
        )
    return tuple(schedules)


def cluster_catalog(values: Mapping[str, Any], release: Release) -> CatalogConfig:
    """The catalog as the cluster's pods see it: the embedded lakehouse lives on the volume."""
    cfg = catalog_from_mapping(values.get("catalog"))
    if not cfg.uri or not cfg.warehouse:
        if not release.lakehouse_mount:
            raise ConfigError(
                "catalog.uri and catalog.warehouse must be set when lakehouse.embedded.enabled is false"
            )
        from pathlib import Path

        cfg = resolve_embedded(cfg, Path(release.lakehouse_mount))
    return validate_catalog(cfg)


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


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def pipeline_settings(values: Mapping[str, Any], release: Release, *, validate: bool = True) -> Settings:
    """Validate ``values`` (schema, then the rules a schema cannot express) and type them."""
    if validate:
        errors = schema_errors(values)
        if errors:
            raise ConfigError(invalid_values_message(errors))
    credentials = tuple(
        CredentialRef(env=str(c["env"]), secret_name=str(c["secretName"]), secret_key=str(c["secretKey"]))
        for c in (values.get("catalog", {}).get("credentials") or [])
    )
    for ref in credentials:
        if not _ENV_NAME.fullmatch(ref.env):
            raise ConfigError(f"catalog.credentials: {ref.env!r} is not an environment variable name")
    if release.lakehouse_mount and not PurePosixPath(release.lakehouse_mount).is_absolute():
        raise ConfigError(f"lakehouse.embedded.mountPath {release.lakehouse_mount!r} must be absolute")
    return Settings(
        release=release,
        schedules=_schedules(values),
        catalog=cluster_catalog(values, release),
        credentials=credentials,
        checks=checks_config(values.get("checks"), JOB_NAMES),
        values=values,
    )
