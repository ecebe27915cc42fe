"""The chart values, typed: images, Spark, the controller, schedules with resolved resources, the
catalog, the checks.

``pipeline_settings`` is the one place that interprets the values: the CLI, the renderer and the
controller read these objects, never the raw values, so ``goldpipe render`` prints what the
controller applies. The values are always the chart's ``values.yaml`` with the user's merged
over it (by helm in the cluster, by ``goldpipe.deploy.values`` locally), so the chart's file is
the one place defaults live; a value missing here is a broken ConfigMap, reported as such.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from goldpipe.checks.config import ChecksConfig, checks_config
from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.errors import ConfigError
from goldpipe.core.maintenance import MaintenancePolicy
from goldpipe.deploy.release import Release
from goldpipe.deploy.values import (
    check_schema,
    find_values_file,
    validated_values,
)
from goldpipe.lakehouse.config import (
    CatalogConfig,
    apply_env,
    catalog_from_mapping,
    goldpipe_home,
    resolve_embedded,
    validate_catalog,
)
from goldpipe.lineage.config import LineageConfig, lineage_config


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
    # The pods' CPU requests, when not their `cores` (a Kubernetes quantity such as "500m").
    driver_core_request: str | None = None
    executor_core_request: str | None = None


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
class ImageSettings:
    repository: str
    tag: str
    pull_policy: str

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


@dataclass(frozen=True)
class SparkSettings:
    """What every Spark application of the release shares (driver and executors)."""

    version: str
    main_application_file: str
    native_execution: bool
    spark_conf: Mapping[str, str]
    hadoop_conf: Mapping[str, str]
    env: tuple[tuple[str, str], ...]
    pod_labels: Mapping[str, str]
    restart_policy: Mapping[str, Any]
    time_to_live_seconds: int
    pod_security_context: Mapping[str, Any]
    security_context: Mapping[str, Any]
    node_selector: Mapping[str, str]
    tolerations: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class ControllerSettings:
    log_level: str
    resync_seconds: float
    run_poll_seconds: float
    stuck_run_minutes: float
    port: int


@dataclass(frozen=True)
class MaintenanceSettings:
    """The table maintenance schedule: when, what (``policy``), with which resources."""

    enabled: bool
    cron: str
    time_zone: str
    suspend: bool
    main_application_file: str
    policy: MaintenancePolicy
    resources: Resources


@dataclass(frozen=True)
class CredentialRef:
    env: str
    secret_name: str
    secret_key: str


@dataclass(frozen=True)
class Settings:
    release: Release
    image: ImageSettings
    image_pull_secrets: tuple[str, ...]
    spark: SparkSettings
    controller: ControllerSettings
    default_resources: Resources
    schedules: tuple[Schedule, ...]
    catalog: CatalogConfig
    credentials: tuple[CredentialRef, ...]
    checks: ChecksConfig
    maintenance: MaintenanceSettings
    lineage: LineageConfig

    def schedule(self, name: str) -> Schedule:
        for s in self.schedules:
            if s.name == name:
                return s
        raise ConfigError(f"unknown schedule {name!r}; known: {', '.join(s.name for s in self.schedules)}")

    def schedule_of_job(self, job: str) -> Schedule | None:
        return next((s for s in self.schedules if job in s.jobs), None)


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
        driver_core_request=str(pick("driver", "coreRequest")) or None,
        executor_core_request=str(pick("executor", "coreRequest")) or None,
    )


# What a schedule does not set it takes from `defaults` (values.yaml), like its resources.
_SCHEDULE_DEFAULTS = (
    "timeZone",
    "concurrencyPolicy",
    "suspend",
    "successfulRunHistoryLimit",
    "failedRunHistoryLimit",
    "maxCatchUpDays",
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
        resources = _resources(defaults, spec)
        if resources.dynamic_allocation:
            da = resources.dynamic_allocation
            if not da.min_executors <= da.initial_executors <= da.max_executors:
                raise ConfigError(
                    f"schedules.{name}.dynamicAllocation: need minExecutors <= initialExecutors <= "
                    f"maxExecutors, got {da.min_executors}, {da.initial_executors}, {da.max_executors}"
                )
        own = {key: spec[key] if key in spec else defaults[key] for key in _SCHEDULE_DEFAULTS}
        schedules.append(
            Schedule(
                name=name,
                jobs=jobs,
                cron=str(spec["schedule"]),
                time_zone=str(own["timeZone"]),
                concurrency_policy=str(own["concurrencyPolicy"]),
                suspend=bool(own["suspend"]),
                successful_run_history_limit=int(own["successfulRunHistoryLimit"]),
                failed_run_history_limit=int(own["failedRunHistoryLimit"]),
                max_catch_up_days=int(own["maxCatchUpDays"]),
                resources=resources,
            )
        )
    return tuple(schedules)


def cluster_catalog(values: Mapping[str, Any], release: Release) -> CatalogConfig:
    """The catalog as the cluster's pods see it: the embedded lakehouse lives on the volume."""
    cfg = catalog_from_mapping(values["catalog"])
    # A REST catalog's server knows its warehouse; a JDBC catalog needs one.
    if not cfg.uri or (not cfg.warehouse and cfg.type != "rest"):
        if not release.lakehouse_mount:
            raise ConfigError(
                "catalog.uri and catalog.warehouse must be set when lakehouse.embedded.enabled is false"
            )
        from pathlib import Path

        cfg = resolve_embedded(cfg, Path(release.lakehouse_mount))
    return validate_catalog(cfg)


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _strings(mapping: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (mapping or {}).items()}


def _image(section: Mapping[str, Any]) -> ImageSettings:
    return ImageSettings(str(section["repository"]), str(section["tag"]), str(section["pullPolicy"]))


def _spark(spark: Mapping[str, Any]) -> SparkSettings:
    return SparkSettings(
        version=str(spark["version"]),
        main_application_file=str(spark["mainApplicationFile"]),
        native_execution=bool(spark["nativeExecution"]),
        spark_conf=_strings(spark.get("sparkConf")),
        hadoop_conf=_strings(spark.get("hadoopConf")),
        env=tuple((str(e["name"]), str(e.get("value", ""))) for e in spark.get("env") or []),
        pod_labels=_strings(spark.get("podLabels")),
        restart_policy=dict(spark["restartPolicy"]),
        time_to_live_seconds=int(spark["timeToLiveSeconds"]),
        pod_security_context=dict(spark["podSecurityContext"]),
        security_context=dict(spark["securityContext"]),
        node_selector=_strings(spark.get("nodeSelector")),
        tolerations=tuple(dict(t) for t in spark.get("tolerations") or []),
    )


def _controller(section: Mapping[str, Any]) -> ControllerSettings:
    return ControllerSettings(
        log_level=str(section["logLevel"]),
        resync_seconds=float(section["resyncSeconds"]),
        run_poll_seconds=float(section["runPollSeconds"]),
        stuck_run_minutes=float(section["stuckRunMinutes"]),
        port=int(section["port"]),
    )


def _maintenance(values: Mapping[str, Any]) -> MaintenanceSettings:
    section = values["maintenance"]
    compaction = section["compaction"]
    policy = MaintenancePolicy(
        snapshot_max_age_days=int(section["snapshotMaxAgeDays"]),
        retain_last_snapshots=int(section["retainLastSnapshots"]),
        remove_orphan_files=bool(section["removeOrphanFiles"]),
        orphan_file_min_age_days=int(section["orphanFileMinAgeDays"]),
        rewrite_manifests=bool(section["rewriteManifests"]),
        compaction=bool(compaction["enabled"]),
        compaction_min_input_files=int(compaction["minInputFiles"]),
        compaction_target_file_size_mb=int(compaction["targetFileSizeMB"]),
        failed_branch_retention_days=int(section["failedBranchRetentionDays"]),
    )
    problems = policy.problems()
    if problems:  # the schema says the same; this also holds values checked without it
        raise ConfigError(f"maintenance: {'; '.join(problems)}")
    return MaintenanceSettings(
        enabled=bool(section["enabled"]),
        cron=str(section["schedule"]),
        time_zone=str(section["timeZone"]),
        suspend=bool(section["suspend"]),
        main_application_file=str(section["mainApplicationFile"]),
        policy=policy,
        resources=_resources(values["defaults"], section),
    )


def pipeline_settings(values: Mapping[str, Any], release: Release, *, validate: bool = True) -> Settings:
    """Validate ``values`` (schema, then the rules a schema cannot express) and type them."""
    if validate:
        check_schema(values)
    try:
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
            image=_image(values["image"]),
            image_pull_secrets=tuple(str(s) for s in values.get("imagePullSecrets") or []),
            spark=_spark(values["spark"]),
            controller=_controller(values["controller"]),
            default_resources=_resources(values["defaults"], {}),
            schedules=_schedules(values),
            catalog=cluster_catalog(values, release),
            credentials=credentials,
            checks=checks_config(values.get("checks"), JOB_NAMES),
            maintenance=_maintenance(values),
            lineage=lineage_config(values["lineage"]),
        )
    except KeyError as exc:
        # Helm merges the chart's defaults in; only a hand-edited ConfigMap can lack a key.
        raise ConfigError(
            f"the values lack {exc}: are they the chart's values.yaml with yours merged in?"
        ) from None


@dataclass(frozen=True)
class LocalSettings:
    """The values as the local commands read them: the catalog as this machine reaches it (the
    environment over the values, the embedded lakehouse under ``GOLDPIPE_HOME``), the checks, the
    lineage and the maintenance policy."""

    values: Mapping[str, Any]
    catalog: CatalogConfig
    lineage: LineageConfig
    maintenance: MaintenancePolicy

    def checks(self, jobs: tuple[str, ...]) -> ChecksConfig:
        return checks_config(self.values.get("checks"), jobs)


def load_settings(values_file: str | None, environment: Mapping[str, str] | None = None) -> LocalSettings:
    """The one reading of a values file: ``values_file`` (else ``$GOLDPIPE_VALUES``, else
    ``./values.yaml``) merged over the chart's ``values.yaml`` as ``helm -f`` does, held to
    ``values.schema.json`` once, as ``helm install`` would, then typed."""
    env = os.environ if environment is None else environment
    values = validated_values(find_values_file(values_file, env))
    try:
        catalog = apply_env(catalog_from_mapping(values["catalog"]), env)
        return LocalSettings(
            values=values,
            catalog=validate_catalog(resolve_embedded(catalog, goldpipe_home(env))),
            lineage=lineage_config(values["lineage"]),
            maintenance=_maintenance(values).policy,
        )
    except KeyError as exc:
        raise ConfigError(
            f"the values lack {exc}: is the chart's values.yaml found (GOLDPIPE_CHART_DIR)?"
        ) from None
