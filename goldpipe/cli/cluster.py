"""Cluster commands: ``render``, ``run``, ``backfill``, ``status`` and the ``controller`` itself."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from goldpipe.chart import chart_metadata, chart_values
from goldpipe.cli.output import format_table
from goldpipe.cli.params import day as parse_day
from goldpipe.cli.params import job_name, values_option
from goldpipe.config import find_values_file, parse_yaml_mapping
from goldpipe.errors import ConfigError, GoldpipeError
from goldpipe.kube import SPARK_APPS, AlreadyExistsError, KubeApi, NotFoundError
from goldpipe.render import NO_CRDS, crds_dir, render_run, render_schedules
from goldpipe.runs import (
    COMPLETED,
    FAILED_STATES,
    backfill_step,
    run_row,
    runs_selector,
    state_of,
)
from goldpipe.settings import Settings, derive_release, pipeline_settings, release_from_mapping

KubeFactory = Callable[[str | None, str | None], KubeApi]


def _cluster_api(namespace: str | None, context: str | None) -> KubeApi:
    from goldpipe.kube import ClusterApi

    return ClusterApi(namespace, context)


def _kube(ctx: click.Context, namespace: str | None, context: str | None) -> KubeApi:
    factory: KubeFactory = ctx.obj.get("kube_factory") or _cluster_api
    return factory(namespace, context)


def _local_settings(ctx: click.Context, release: str, namespace: str) -> Settings:
    values_path = find_values_file(ctx.obj["values_file"])
    values = chart_values(values_path)
    if not values:
        raise ConfigError("no chart values found: run inside the goldpipe checkout or pass -f values.yaml")
    rel = derive_release(values, release_name=release, namespace=namespace, chart=chart_metadata())
    return pipeline_settings(values, rel)


def _deployed_settings(ctx: click.Context, kube: KubeApi, release: str) -> Settings:
    """The configuration the release's controller uses (its ConfigMap), else the local values."""
    local = _local_settings(ctx, release, kube.namespace)
    try:
        data = kube.get_configmap(local.release.config_map_name).get("data") or {}
    except NotFoundError:
        click.echo(
            f"warning: ConfigMap {local.release.config_map_name} not found in {kube.namespace}: "
            "using the local values",
            err=True,
        )
        return local
    what = f"ConfigMap {local.release.config_map_name}"
    values = parse_yaml_mapping(data.get("values.yaml") or "", f"{what} values.yaml")
    facts = parse_yaml_mapping(data.get("release.yaml") or "", f"{what} release.yaml")
    return pipeline_settings(values, release_from_mapping(facts))


release_option = click.option(
    "--release",
    default=lambda: os.environ.get("GOLDPIPE_RELEASE", "goldpipe"),
    show_default="goldpipe",
    help="Helm release name.",
)
namespace_option = click.option(
    "-n", "--namespace", default=None, help="Namespace (default: the kubeconfig's, or the pod's)."
)
context_option = click.option("--context", default=None, help="kubeconfig context.")


@click.command("render")
@values_option
@release_option
@click.option(
    "-n", "--namespace", default=lambda: os.environ.get("POD_NAMESPACE", "default"), show_default="default"
)
@click.option("--job", default=None, help="Render a one-off SparkApplication of this job (needs --date).")
@click.option("--date", "day", default=None, help="Day of the one-off run (YYYY-MM-DD).")
@click.pass_context
def render(ctx: click.Context, release: str, namespace: str, job: str | None, day: str | None) -> None:
    """Print the ScheduledSparkApplications the controller applies (or one run with --job/--date).

    The output is validated against the Spark Operator CRDs (a warning says so when they are
    not installed); the pod templates inside, which the CRDs leave open, are checked by the
    API server when spark-submit creates the pods. Only the owner reference to the chart's
    ConfigMap is missing: it needs the ConfigMap's uid, known in the cluster only.
    """
    settings = _local_settings(ctx, release, namespace)
    if crds_dir() is None:
        click.echo(f"warning: {NO_CRDS}", err=True)
    if (job is None) != (day is None):
        raise click.UsageError("--job and --date go together")
    docs = (
        [render_run(settings, job_name(job, "--job"), parse_day(day, "--date"))]
        if job is not None and day is not None
        else render_schedules(settings)
    )
    click.echo(yaml.safe_dump_all(docs, sort_keys=False, width=120), nl=False)


# A run that no operator has picked up after this long probably never will be.
PICKUP_WARNING_SECONDS = 60.0


def _wait(kube: KubeApi, name: str, poll: float) -> str:
    started, warned = time.monotonic(), False
    while True:
        app = kube.get_object(SPARK_APPS, name)
        state = state_of(app)
        if state in FAILED_STATES or state == COMPLETED:
            return state
        if not app.get("status") and not warned and time.monotonic() - started > PICKUP_WARNING_SECONDS:
            warned = True
            click.echo(
                f"warning: {name} has no status after {PICKUP_WARNING_SECONDS:.0f}s: is a Spark Operator "
                f"watching namespace {kube.namespace}? (still waiting; Ctrl-C stops waiting, not the run)",
                err=True,
            )
        time.sleep(poll)


@click.command("run")
@values_option
@click.argument("job")
@click.option("--date", "day", required=True, help="Business day (YYYY-MM-DD).")
@click.option("--wait", is_flag=True, help="Wait until the run ends; exit 1 if it failed.")
@click.option("--replace", is_flag=True, help="Delete an earlier run of this job and day first.")
@click.option("--poll-seconds", type=float, default=10.0, hidden=True)
@release_option
@namespace_option
@context_option
@click.pass_context
def run(
    ctx: click.Context,
    job: str,
    day: str,
    wait: bool,
    replace: bool,
    poll_seconds: float,
    release: str,
    namespace: str | None,
    context: str | None,
) -> None:
    """Start a one-off SparkApplication of JOB for --date (named after the job and the day)."""
    job, when = job_name(job), parse_day(day, "--date")
    kube = _kube(ctx, namespace, context)
    settings = _deployed_settings(ctx, kube, release)
    doc = render_run(settings, job, when)
    name = doc["metadata"]["name"]
    try:
        kube.create_object(SPARK_APPS, doc)
    except AlreadyExistsError:
        state = state_of(kube.get_object(SPARK_APPS, name))
        if not replace:
            raise GoldpipeError(
                f"SparkApplication {name} already exists ({state}); pass --replace to run the day again"
            ) from None
        kube.delete_object(SPARK_APPS, name)
        kube.create_object(SPARK_APPS, doc)
    click.echo(f"created SparkApplication {name} in {kube.namespace}")
    if wait:
        state = _wait(kube, name, poll_seconds)
        click.echo(f"{name}: {state}")
        if state != COMPLETED:
            sys.exit(1)


@click.command("backfill")
@values_option
@click.argument("job")
@click.option("--from", "start", required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", required=True, help="Last day, inclusive (YYYY-MM-DD).")
@click.option(
    "--parallel",
    type=click.IntRange(min=1, max=50),
    default=2,
    show_default=True,
    help="Runs in flight at most.",
)
@click.option("--poll-seconds", type=float, default=10.0, hidden=True)
@release_option
@namespace_option
@context_option
@click.pass_context
def backfill(
    ctx: click.Context,
    job: str,
    start: str,
    end: str,
    parallel: int,
    poll_seconds: float,
    release: str,
    namespace: str | None,
    context: str | None,
) -> None:
    """Run JOB for every day from --from to --to, at most --parallel at once.

    Resumable: days whose run already COMPLETED are skipped; a day that failed in an earlier
    backfill runs again. Exit 1 if any day failed.
    """
    job = job_name(job)
    first, last = parse_day(start, "--from"), parse_day(end, "--to")
    if last < first:
        raise click.BadParameter(f"{last} is before {first}", param_hint="--to")
    days = tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    kube = _kube(ctx, namespace, context)
    settings = _deployed_settings(ctx, kube, release)
    docs = {d: render_run(settings, job, d, run_kind="backfill") for d in days}  # all names checked up front
    attempted: set[dt.date] = set()
    with click.progressbar(length=len(days), label=f"backfill {job}", file=sys.stderr, show_pos=True) as bar:
        reported = 0
        while True:
            states = _states(kube, docs)
            finished = sum(
                1 for d in days if states[d] == COMPLETED or (states[d] in FAILED_STATES and d in attempted)
            )
            bar.update(finished - reported)
            reported = finished
            step = backfill_step(days, states, parallel, attempted)
            if step.done:
                break
            for d in step.create:
                name = docs[d]["metadata"]["name"]
                if states[d] is not None:
                    kube.delete_object(SPARK_APPS, name)  # a failed run of an earlier backfill
                kube.create_object(SPARK_APPS, docs[d])
                attempted.add(d)
            time.sleep(poll_seconds if not step.create else 0.5)
    failed = [d for d in days if states[d] in FAILED_STATES]
    skipped = len([d for d in days if d not in attempted])
    click.echo(
        f"backfill {job} {first}..{last}: {len(days) - len(failed)} completed "
        f"({skipped} already were), {len(failed)} failed"
    )
    if failed:
        click.echo("failed: " + ", ".join(d.isoformat() for d in failed), err=True)
        sys.exit(1)


def _states(kube: KubeApi, docs: dict[dt.date, dict[str, Any]]) -> dict[dt.date, str | None]:
    states: dict[dt.date, str | None] = {}
    for d, doc in docs.items():
        try:
            states[d] = state_of(kube.get_object(SPARK_APPS, doc["metadata"]["name"]))
        except NotFoundError:
            states[d] = None
    return states


@click.command("status")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@release_option
@namespace_option
@context_option
@click.pass_context
def status(ctx: click.Context, limit: int, release: str, namespace: str | None, context: str | None) -> None:
    """Recent runs of the pipeline: schedule, job, state, start, duration, check result."""
    kube = _kube(ctx, namespace, context)
    now = dt.datetime.now(dt.UTC)
    rows = sorted(
        (run_row(a, now) for a in kube.list_objects(SPARK_APPS, runs_selector(release))),
        key=lambda r: r.sort_key,
        reverse=True,
    )[:limit]
    if not rows:
        click.echo(f"no runs of release {release!r} in namespace {kube.namespace}")
        return
    table = [
        [
            r.name,
            r.schedule,
            r.jobs,
            r.date,
            r.state,
            r.start.strftime("%Y-%m-%d %H:%M") if r.start else "-",
            _duration(r.duration),
            r.checks,
        ]
        for r in rows
    ]
    click.echo(
        format_table(["run", "schedule", "job", "date", "state", "start", "duration", "checks"], table)
    )


def _duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = int(value.total_seconds())
    return (
        f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
        if seconds >= 3600
        else f"{seconds // 60}m{seconds % 60:02d}s"
    )


@click.command("controller")
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where the chart's ConfigMap is mounted.",
)
@click.option("--once", is_flag=True, help="Reconcile once and exit (for debugging).")
@click.option(
    "--bind-address",
    default="0.0.0.0",
    show_default=True,
    help="Address of the /healthz, /readyz and /metrics listener (the port is controller.port). "
    "In a pod, probes and scrapes come from outside it; elsewhere use 127.0.0.1.",
)
@namespace_option
@click.pass_context
def controller(
    ctx: click.Context, config_dir: Path, once: bool, bind_address: str, namespace: str | None
) -> None:
    """Run the goldpipe controller (the chart's Deployment runs this)."""
    from goldpipe.controller import logs
    from goldpipe.controller.config_source import load_config_dir
    from goldpipe.controller.notify import Webhook
    from goldpipe.controller.runtime import Controller, run_forever

    logs.configure(os.environ.get("GOLDPIPE_LOG_LEVEL", "info"))
    kube = _kube(ctx, namespace or os.environ.get("POD_NAMESPACE"), None)
    url = os.environ.get("GOLDPIPE_WEBHOOK_URL")
    instance = Controller(kube=kube, config_dir=config_dir, webhook=Webhook(url) if url else None)
    if once:
        instance.reconcile_once()
        instance.reconcile_runs()
        sys.exit(0 if instance.ready and instance.last_error is None else 1)
    try:
        controller_values = load_config_dir(config_dir).settings.values["controller"]
        resync, port = float(controller_values["resyncSeconds"]), int(controller_values["port"])
        poll = float(controller_values.get("runPollSeconds", 2))
    except (ConfigError, KeyError):
        resync, port, poll = 60.0, 8080, 2.0  # an invalid config still gets probes and retries
    run_forever(instance, resync_seconds=resync, port=port, host=bind_address, poll_seconds=poll)


COMMANDS = [render, run, backfill, status, controller]
