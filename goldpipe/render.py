"""Render the gold jobs' Spark Operator resources from the Jinja templates in ``manifests/``.

Pure functions of the settings (``render_schedule``, ``render_run``): the CLI prints their
result, the controller applies it. Values reach YAML only through the ``yaml`` filter, the
output is parsed back and checked against the Spark Operator CRDs before anything uses it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from goldpipe.catalog import spark_catalog_conf
from goldpipe.chart import find_chart_dir
from goldpipe.contract import JOB_NAMES
from goldpipe.errors import ConfigError
from goldpipe.settings import Release, Resources, Schedule, Settings

API_VERSION = "sparkoperator.k8s.io/v1beta2"
# The Kubeflow Spark Operator goldpipe is built and tested against (Chart.yaml's dependency,
# tools/spark-operator/go.mod); its CRDs validate what goldpipe renders.
SPARK_OPERATOR_VERSION = "2.5.2"
MANAGED_BY = "goldpipe-controller"
COMPONENT = "gold-job"
# The operator names a scheduled run "<schedule>-<UnixNano>" (20 more characters) and the run's
# UI Service "<run>-ui-svc" (7 more), and a Service name is a DNS-1035 label of 63 at most.
MAX_RUN_NAME = 63 - len("-ui-svc")
MAX_SCHEDULE_NAME = MAX_RUN_NAME - len("-") - 19
_DNS_1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

LABEL_SCHEDULE = "goldpipe.io/schedule"
LABEL_JOB = "goldpipe.io/job"
LABEL_DATE = "goldpipe.io/date"
LABEL_RUN_KIND = "goldpipe.io/run-kind"
ANNOTATION_JOBS = "goldpipe.io/jobs"

_ESCAPES = re.compile(r"(\\\\)|\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"


def _yaml_float(number: float) -> str:
    """A float YAML 1.1 reads back as that float: it needs a '.' and a signed exponent."""
    if not math.isfinite(number):
        raise ConfigError(f"cannot render the number {number!r}")
    text = repr(number)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (e + exponent if e else "")


def _floats_out(value: Any, floats: list[float], token: str) -> Any:
    """Replace floats by placeholder strings (json.dumps cannot be told how to write them)."""
    if isinstance(value, float):
        floats.append(value)
        return f"{token}{len(floats) - 1}"
    if isinstance(value, Mapping):
        return {str(k): _floats_out(v, floats, token) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_floats_out(v, floats, token) for v in value]
    return value


def to_yaml(value: Any) -> str:
    """A value as one YAML flow node: JSON, ASCII-only, with YAML's escape for astral characters.

    JSON is YAML; JSON strings are double-quoted with every control character escaped, so no
    value can end a line, open a comment, start a document or inject a key. Python's JSON
    writes a character beyond the BMP as a UTF-16 surrogate pair, which YAML would decode as
    two broken characters: those become ``\\UXXXXXXXX``.
    """
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    floats: list[float] = []
    token = f"float-{uuid.uuid4().hex}-"
    text = json.dumps(_floats_out(value, floats, token), ensure_ascii=True, separators=(", ", ": "))
    text = re.sub(f'"{token}(\\d+)"', lambda m: _yaml_float(floats[int(m.group(1))]), text)
    return _ESCAPES.sub(_astral, text)


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


def _labels(release: Release, jobs: tuple[str, ...], extra: Mapping[str, str]) -> dict[str, str]:
    labels = {k: v for k, v in release.labels.items() if k != "helm.sh/chart"}
    labels.update(
        {
            "app.kubernetes.io/managed-by": MANAGED_BY,
            "app.kubernetes.io/component": COMPONENT,
            LABEL_JOB: job_label(jobs),
            **extra,
        }
    )
    return labels


def _env(settings: Settings) -> list[dict[str, Any]]:
    values = settings.values
    env: list[dict[str, Any]] = [
        {"name": str(e["name"]), "value": str(e.get("value", ""))} for e in (values["spark"].get("env") or [])
    ]
    env += [
        {"name": c.env, "valueFrom": {"secretKeyRef": {"name": c.secret_name, "key": c.secret_key}}}
        for c in settings.credentials
    ]
    return env


# Executors get their settings from the driver; without their ConfigMap the driver's Role needs
# no ConfigMap rights at all (templates/spark-role.yaml), so it cannot touch the chart's own.
DRIVER_CONF = {"spark.kubernetes.executor.disableConfigMap": "true"}
# The containers Spark takes from a pod template (the operator passes these names to spark-submit).
CONTAINER_NAMES = {"driver": "spark-kubernetes-driver", "executor": "spark-kubernetes-executor"}


def _pod(settings: Settings, role: str, resources: Resources, labels: Mapping[str, str]) -> dict[str, Any]:
    spark = settings.values["spark"]
    release = settings.release
    claim = release.lakehouse_claim
    pod: dict[str, Any] = {
        "labels": {**labels, **{str(k): str(v) for k, v in (spark.get("podLabels") or {}).items()}},
        "containerName": CONTAINER_NAMES[role],
        "env": _env(settings),
        "podSecurityContext": spark["podSecurityContext"],
        "securityContext": spark["securityContext"],
        "volumeMounts": [{"name": "lakehouse", "mountPath": release.lakehouse_mount}] if claim else [],
        "volumes": [{"name": "lakehouse", "persistentVolumeClaim": {"claimName": claim}}] if claim else [],
        "nodeSelector": spark.get("nodeSelector") or {},
        "tolerations": spark.get("tolerations") or [],
    }
    if role == "driver":
        pod.update(
            cores=resources.driver_cores,
            memory=resources.driver_memory,
            serviceAccount=release.spark_service_account,
        )
    else:
        pod.update(
            cores=resources.executor_cores,
            memory=resources.executor_memory,
            instances=None if resources.dynamic_allocation else resources.executor_instances,
        )
    return pod


def app_context(
    settings: Settings,
    jobs: tuple[str, ...],
    date_args: list[str],
    resources: Resources,
    labels: Mapping[str, str],
) -> dict[str, Any]:
    """Everything the spark spec template needs, already resolved (no logic left for Jinja)."""
    values = settings.values
    spark, image = values["spark"], values["image"]
    conf = {
        **spark_catalog_conf(settings.catalog),
        **DRIVER_CONF,
        **{str(k): str(v) for k, v in (spark.get("sparkConf") or {}).items()},
    }
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
        "image": f"{image['repository']}:{image['tag']}",
        "imagePullPolicy": image.get("pullPolicy", "IfNotPresent"),
        "imagePullSecrets": [str(s) for s in values.get("imagePullSecrets") or []],
        "sparkVersion": str(spark["version"]),
        "mainApplicationFile": str(spark["mainApplicationFile"]),
        "arguments": [
            "--jobs",
            ",".join(jobs),
            *date_args,
            "--catalog",
            settings.catalog.name,
            # Write-Audit-Publish: the run stays on its audit branch until the controller's checks pass.
            *(["--no-publish"] if settings.write_audit_publish else []),
        ],
        "sparkConf": conf,
        "hadoopConf": {str(k): str(v) for k, v in (spark.get("hadoopConf") or {}).items()},
        "restartPolicy": dict(spark["restartPolicy"]),
        "timeToLiveSeconds": int(spark["timeToLiveSeconds"]),
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
    context = {
        "metadata": {
            "name": name,
            "namespace": release.namespace,
            "labels": labels,
            "annotations": {ANNOTATION_JOBS: ",".join(schedule.jobs)},
        },
        "schedule": {
            "cron": schedule.cron,
            "timeZone": schedule.time_zone,
            "concurrencyPolicy": schedule.concurrency_policy,
            "suspend": schedule.suspend,
            "successfulRunHistoryLimit": schedule.successful_run_history_limit,
            "failedRunHistoryLimit": schedule.failed_run_history_limit,
        },
        "app": app_context(settings, schedule.jobs, date_args, schedule.resources, labels),
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
    resources = schedule.resources if schedule else settings.default_resources()
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
            "annotations": {ANNOTATION_JOBS: job},
        },
        "app": app_context(settings, (job,), ["--date", day.isoformat()], resources, labels),
    }
    doc = _parse(render_template("spark-application.yaml.j2", context, templates), name)
    validate_manifest(doc)
    return doc


# ---------------------------------------------------------------------------------------------
# Validation against the Spark Operator CRDs


def crds_dir() -> Path | None:
    """Where the Spark Operator CRDs are: ``$GOLDPIPE_CRDS_DIR`` (the controller image), else the
    checkout's ``.tools/crds``, else the tools cache of ``scripts/install-tools.sh``
    (``~/.cache/goldpipe/tools/spark-operator-<version>/crds``). None when there are none."""
    if os.environ.get("GOLDPIPE_CRDS_DIR"):
        return Path(os.environ["GOLDPIPE_CRDS_DIR"])
    candidates = []
    chart = find_chart_dir()
    if chart is not None:
        candidates.append(chart / ".tools" / "crds")
    cache = os.environ.get("GOLDPIPE_TOOLS_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "goldpipe" / "tools"
    )
    candidates.append(Path(cache) / f"spark-operator-v{SPARK_OPERATOR_VERSION}" / "crds")
    return next((c for c in candidates if any(c.glob("*.yaml"))), None)


NO_CRDS = (
    "not validated against the Spark Operator CRDs: none found (run scripts/install-tools.sh "
    "control-plane, or set GOLDPIPE_CRDS_DIR to a directory of the operator's CRD files)"
)


def _strict(schema: Any) -> Any:
    """The CRD schema with unknown fields rejected (the API server would silently prune them)."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            out.get("type") == "object"
            and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@cache
def crd_schemas(directory: str) -> dict[str, dict[str, Any]]:
    """``kind -> strict v1beta2 openAPIV3Schema`` of every CRD file in ``directory``."""
    schemas = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version["name"] == "v1beta2":
                schemas[kind] = _strict(version["schema"]["openAPIV3Schema"])
    return schemas


def manifest_errors(doc: Mapping[str, Any], directory: Path | None = None) -> list[str]:
    import jsonschema

    directory = directory or crds_dir()
    if directory is None:
        raise ConfigError(f"cannot validate: {NO_CRDS}")
    schemas = crd_schemas(str(directory))
    kind = doc.get("kind")
    if doc.get("apiVersion") != API_VERSION or kind not in schemas:
        found = f"{doc.get('apiVersion')}/{kind}"
        return [f"not a {API_VERSION} SparkApplication or ScheduledSparkApplication: {found}"]
    validator = jsonschema.Draft7Validator(schemas[str(kind)])
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def validate_manifest(doc: Mapping[str, Any], directory: Path | None = None) -> None:
    """Raise ``ConfigError`` listing every CRD violation of ``doc``.

    Without CRDs on disk the API server's own validation of the CRD schema is the only check:
    callers that promise validation say so (``NO_CRDS``), this function does not fail.
    """
    if directory is None and crds_dir() is None:
        return
    errors = manifest_errors(doc, directory)
    if errors:
        name = doc.get("metadata", {}).get("name")
        raise ConfigError(
            f"{doc.get('kind')} {name} does not match the Spark Operator CRD:\n  " + "\n  ".join(errors)
        )
