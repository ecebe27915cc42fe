"""Render the gold jobs' Spark Operator resources from the Jinja templates in ``manifests/``.

Pure functions of the settings (``render_schedule``, ``render_run``): the CLI prints their
result, the controller applies it. Values reach YAML only through the ``yaml`` filter, the
output is parsed back and checked against the Spark Operator CRDs before anything uses it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.errors import ConfigError
from goldpipe.core.native import native_conf
from goldpipe.deploy.release import Release
from goldpipe.deploy.render.crds import validate_manifest
from goldpipe.deploy.render.yaml_safety import to_yaml
from goldpipe.deploy.settings import Resources, Schedule, Settings
from goldpipe.deploy.values import find_chart_dir
from goldpipe.deploy.vocabulary import (
    COMPONENT,
    LABEL_COMPONENT,
    LABEL_DATE,
    LABEL_JOB,
    LABEL_MANAGED_BY,
    LABEL_RUN_KIND,
    LABEL_SCHEDULE,
    MANAGED_BY,
    MAX_RUN_NAME,
    MAX_SCHEDULE_NAME,
)
from goldpipe.lakehouse.config import spark_catalog_conf

_DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def templates_dir(explicit: Path | None = None) -> Path:
    """``explicit``, else ``$GOLDPIPE_MANIFESTS_DIR``, else the chart's ``manifests/``."""
    if explicit is not None:
        return explicit
    if os.environ.get("GOLDPIPE_MANIFESTS_DIR"):
        return Path(os.environ["GOLDPIPE_MANIFESTS_DIR"])
    chart = find_chart_dir()
    if chart is not None and (chart / "manifests").is_dir():
        return chart / "manifests"
    raise ConfigError("cannot find the manifests/ templates (set GOLDPIPE_MANIFESTS_DIR)")


@cache
def _environment(directory: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["yaml"] = to_yaml
    return env


def render_template(name: str, context: Mapping[str, Any], directory: Path | None = None) -> str:
    try:
        return _environment(str(templates_dir(directory))).get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise ConfigError(f"template {exc.name} not found in {templates_dir(directory)}") from None
    except jinja2.UndefinedError as exc:
        raise ConfigError(f"template {name}: {exc.message}") from None


def check_name(name: str, limit: int, what: str) -> str:
    if len(name) > limit:
        raise ConfigError(
            f"{what} name {name!r} has {len(name)} characters, at most {limit} are allowed (the Spark "
            f"Operator appends a 20-character timestamp to scheduled runs and '-ui-svc' to a run's UI "
            f"Service): shorten the release name, fullnameOverride or the schedule name"
        )
    if not _DNS_1035.fullmatch(name):
        raise ConfigError(
            f"{what} name {name!r} is not a DNS-1035 label (a-z, 0-9, '-', starting with a letter)"
        )
    return name


def schedule_name(release: Release, schedule: Schedule) -> str:
    return check_name(f"{release.fullname}-{schedule.name}", MAX_SCHEDULE_NAME, "ScheduledSparkApplication")


def run_name(release: Release, job: str, day: dt.date) -> str:
    return check_name(
        f"{release.fullname}-{job.replace('_', '-')}-{day:%Y%m%d}", MAX_RUN_NAME, "SparkApplication"
    )


def job_label(jobs: tuple[str, ...]) -> str:
    """``goldpipe.io/job``: the job, or ``all``/``multi`` for a group (label values allow no commas)."""
    if len(jobs) == 1:
        return jobs[0]
    return "all" if set(jobs) == set(JOB_NAMES) else "multi"


def base_labels(release: Release, component: str, extra: Mapping[str, str]) -> dict[str, str]:
    labels = {k: v for k, v in release.labels.items() if k != "helm.sh/chart"}
    labels.update({LABEL_MANAGED_BY: MANAGED_BY, LABEL_COMPONENT: component, **extra})
    return labels


def _labels(release: Release, jobs: tuple[str, ...], extra: Mapping[str, str]) -> dict[str, str]:
    return base_labels(release, COMPONENT, {LABEL_JOB: job_label(jobs), **extra})


def _env(settings: Settings) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [{"name": name, "value": value} for name, value in settings.spark.env]
    env += [
        {"name": c.env, "valueFrom": {"secretKeyRef": {"name": c.secret_name, "key": c.secret_key}}}
        for c in settings.credentials
    ]
    return env


# What the driver's Role (templates/spark-role.yaml) need not allow: executors get their settings
# from the driver, so without their ConfigMap the Role has no ConfigMap rights at all and cannot
# touch the chart's own; and the driver's Service is left to Kubernetes' garbage collection (it is
# owned by the driver pod) rather than deleted by label at the end of a run, which would need
# `deletecollection` on every Service of the namespace.
DRIVER_CONF = {
    "spark.kubernetes.executor.disableConfigMap": "true",
    "spark.kubernetes.driver.service.deleteOnTermination": "false",
}
# The image's root filesystem is read-only: /tmp (the JVM's and Python's temporary files, HOME)
# is a volume of the pod. Spark adds its own volumes for its scratch space (spark.local.dir).
SCRATCH_VOLUME = {"name": "tmp", "emptyDir": {}}
SCRATCH_MOUNT = {"name": "tmp", "mountPath": "/tmp"}
# The containers Spark takes from a pod template (the operator passes these names to spark-submit).
CONTAINER_NAMES = {"driver": "spark-kubernetes-driver", "executor": "spark-kubernetes-executor"}


def _pod(settings: Settings, role: str, resources: Resources, labels: Mapping[str, str]) -> dict[str, Any]:
    spark = settings.spark
    release = settings.release
    claim = release.lakehouse_claim
    pod: dict[str, Any] = {
        "labels": {**labels, **spark.pod_labels},
        "containerName": CONTAINER_NAMES[role],
        "env": _env(settings),
        "podSecurityContext": dict(spark.pod_security_context),
        "securityContext": dict(spark.security_context),
        "volumeMounts": [SCRATCH_MOUNT]
        + ([{"name": "lakehouse", "mountPath": release.lakehouse_mount}] if claim else []),
        "volumes": [SCRATCH_VOLUME]
        + ([{"name": "lakehouse", "persistentVolumeClaim": {"claimName": claim}}] if claim else []),
        "nodeSelector": dict(spark.node_selector),
        "tolerations": [dict(t) for t in spark.tolerations],
    }
    if role == "driver":
        pod.update(
            cores=resources.driver_cores,
            coreRequest=resources.driver_core_request,
            memory=resources.driver_memory,
            serviceAccount=release.spark_service_account,
        )
    else:
        pod.update(
            cores=resources.executor_cores,
            coreRequest=resources.executor_core_request,
            memory=resources.executor_memory,
            instances=None if resources.dynamic_allocation else resources.executor_instances,
        )
    return pod


def gold_arguments(settings: Settings, jobs: tuple[str, ...], date_args: list[str]) -> list[str]:
    # The run leaves its output on its audit branch; the controller publishes it.
    return ["--jobs", ",".join(jobs), *date_args, "--catalog", settings.catalog.name]


def app_context(
    settings: Settings,
    arguments: list[str],
    resources: Resources,
    labels: Mapping[str, str],
    *,
    main_application_file: str | None = None,
) -> dict[str, Any]:
    """Everything the spark spec template needs, already resolved (no logic left for Jinja).

    The gold jobs' entrypoint unless ``main_application_file`` names another (maintenance).
    ``sparkConf`` of the values comes last: it may override any property goldpipe sets."""
    spark = settings.spark
    # Native execution serves the gold jobs' plans; maintenance's procedures gain nothing from it.
    native = native_conf() if spark.native_execution and main_application_file is None else {}
    conf = {**spark_catalog_conf(settings.catalog), **DRIVER_CONF, **native, **spark.spark_conf}
    dynamic = None
    if resources.dynamic_allocation:
        da = resources.dynamic_allocation
        dynamic = {
            "enabled": True,
            "initialExecutors": da.initial_executors,
            "minExecutors": da.min_executors,
            "maxExecutors": da.max_executors,
            # Kubernetes has no external shuffle service: executors keep their shuffle files.
            "shuffleTrackingEnabled": True,
        }
    return {
        "image": settings.image.reference,
        "imagePullPolicy": settings.image.pull_policy,
        "imagePullSecrets": list(settings.image_pull_secrets),
        "sparkVersion": spark.version,
        "mainApplicationFile": main_application_file or spark.main_application_file,
        "arguments": arguments,
        "sparkConf": conf,
        "hadoopConf": dict(spark.hadoop_conf),
        "restartPolicy": dict(spark.restart_policy),
        "timeToLiveSeconds": spark.time_to_live_seconds,
        "dynamicAllocation": dynamic,
        "driver": _pod(settings, "driver", resources, labels),
        "executor": _pod(settings, "executor", resources, labels),
    }


def _parse(text: str, what: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # a template bug, not a user error: keep the detail
        raise ConfigError(f"rendered {what} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"rendered {what} is not a mapping")
    return doc


def render_schedule(settings: Settings, schedule: Schedule, templates: Path | None = None) -> dict[str, Any]:
    """The ScheduledSparkApplication of ``schedule`` (without owner reference: that needs a uid)."""
    release = settings.release
    name = schedule_name(release, schedule)
    labels = _labels(release, schedule.jobs, {LABEL_SCHEDULE: schedule.name, LABEL_RUN_KIND: "scheduled"})
    date_args = ["--date", "auto", "--max-catch-up-days", str(schedule.max_catch_up_days)]
    timing = {
        "cron": schedule.cron,
        "timeZone": schedule.time_zone,
        "concurrencyPolicy": schedule.concurrency_policy,
        "suspend": schedule.suspend,
        "successfulRunHistoryLimit": schedule.successful_run_history_limit,
        "failedRunHistoryLimit": schedule.failed_run_history_limit,
    }
    app = app_context(
        settings, gold_arguments(settings, schedule.jobs, date_args), schedule.resources, labels
    )
    return render_scheduled_app(release, name, labels, timing, app, templates=templates)


def render_scheduled_app(
    release: Release,
    name: str,
    labels: Mapping[str, str],
    timing: Mapping[str, Any],
    app: Mapping[str, Any],
    *,
    templates: Path | None = None,
) -> dict[str, Any]:
    """A ScheduledSparkApplication from its ``timing`` (cron, time zone, policies) and ``app``."""
    context = {
        "metadata": {"name": name, "namespace": release.namespace, "labels": labels, "annotations": {}},
        "schedule": timing,
        "app": app,
    }
    doc = _parse(render_template("scheduled-spark-application.yaml.j2", context, templates), name)
    validate_manifest(doc)
    return doc


def render_schedules(settings: Settings, templates: Path | None = None) -> list[dict[str, Any]]:
    return [render_schedule(settings, s, templates) for s in settings.schedules]


def render_run(
    settings: Settings,
    job: str,
    day: dt.date,
    *,
    run_kind: str = "one-off",
    templates: Path | None = None,
) -> dict[str, Any]:
    """A one-off SparkApplication for ``job`` on ``day``, with the resources of its schedule."""
    if job not in JOB_NAMES:
        raise ConfigError(f"unknown job {job!r}; valid jobs: {', '.join(JOB_NAMES)}")
    release = settings.release
    schedule = settings.schedule_of_job(job)
    resources = schedule.resources if schedule else settings.default_resources
    name = run_name(release, job, day)
    extra = {LABEL_DATE: day.isoformat(), LABEL_RUN_KIND: run_kind}
    if schedule is not None:
        extra[LABEL_SCHEDULE] = schedule.name
    labels = _labels(release, (job,), extra)
    context = {
        "metadata": {
            "name": name,
            "namespace": release.namespace,
            "labels": labels,
            "annotations": {},
        },
        "app": app_context(
            settings, gold_arguments(settings, (job,), ["--date", day.isoformat()]), resources, labels
        ),
    }
    doc = _parse(render_template("spark-application.yaml.j2", context, templates), name)
    validate_manifest(doc)
    return doc
