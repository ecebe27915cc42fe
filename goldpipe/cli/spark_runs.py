"""``goldpipe run``, ``backfill`` and ``status``: one-off runs on the cluster, and what ran."""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import Any

import click

from goldpipe.cli.backfill_plan import backfill_step
from goldpipe.cli.cluster_context import (
    context_option,
    deployed_settings,
    kube_api,
    namespace_option,
    release_option,
)
from goldpipe.cli.output import format_table
from goldpipe.cli.params import DAY, allow_unfinished_option, job_name, refuse_unfinished, values_option
from goldpipe.core.errors import GoldpipeError
from goldpipe.deploy.apps import SparkApp, run_row
from goldpipe.deploy.kube import AlreadyExistsError, KubeApi, NotFoundError
from goldpipe.deploy.render.manifests import render_run
from goldpipe.deploy.vocabulary import (
    COMPLETED,
    FAILED_STATES,
    SPARK_APPS,
    maintenance_runs_selector,
    runs_selector,
)

# A run that no operator has picked up after this long probably never will be.
PICKUP_WARNING_SECONDS = 60.0


def _wait(kube: KubeApi, name: str, poll: float) -> SparkApp:
    started, warned = time.monotonic(), False
    while True:
        app = SparkApp(kube.get_object(SPARK_APPS, name))
        if app.terminal:
            return app
        if not app.seen_by_operator and not warned and time.monotonic() - started > PICKUP_WARNING_SECONDS:
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
@click.option("--date", "day", type=DAY, required=True, help="Business day (YYYY-MM-DD).")
@click.option("--wait", is_flag=True, help="Wait until the run ends; exit 1 if it failed.")
@click.option("--replace", is_flag=True, help="Delete an earlier run of this job and day first.")
@allow_unfinished_option
@click.option("--poll-seconds", type=float, default=10.0, hidden=True)
@release_option
@namespace_option
@context_option
@click.pass_context
def run(
    ctx: click.Context,
    job: str,
    day: dt.date,
    wait: bool,
    replace: bool,
    allow_unfinished_days: bool,
    poll_seconds: float,
    release: str,
    namespace: str | None,
    context: str | None,
) -> None:
    """Start a one-off SparkApplication of JOB for --date (named after the job and the day)."""
    job, when = job_name(job), day
    refuse_unfinished((when,), allow_unfinished_days)
    kube = kube_api(ctx, namespace, context)
    settings = deployed_settings(ctx, kube, release)
    doc = render_run(settings, job, when)
    name = doc["metadata"]["name"]
    try:
        kube.create_object(SPARK_APPS, doc)
    except AlreadyExistsError:
        state = SparkApp(kube.get_object(SPARK_APPS, name)).state
        if not replace:
            raise GoldpipeError(
                f"SparkApplication {name} already exists ({state}); pass --replace to run the day again"
            ) from None
        kube.delete_object(SPARK_APPS, name)
        kube.create_object(SPARK_APPS, doc)
    click.echo(f"created SparkApplication {name} in {kube.namespace}")
    if wait:
        app = _wait(kube, name, poll_seconds)
        click.echo(f"{name}: {app.state}")
        if not app.completed:
            sys.exit(1)


@click.command("backfill")
@values_option
@click.argument("job")
@click.option("--from", "start", type=DAY, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=DAY, required=True, help="Last day, inclusive (YYYY-MM-DD).")
@click.option(
    "--parallel",
    type=click.IntRange(min=1, max=50),
    default=2,
    show_default=True,
    help="Runs in flight at most.",
)
@allow_unfinished_option
@click.option("--poll-seconds", type=float, default=10.0, hidden=True)
@release_option
@namespace_option
@context_option
@click.pass_context
def backfill(
    ctx: click.Context,
    job: str,
    start: dt.date,
    end: dt.date,
    parallel: int,
    allow_unfinished_days: bool,
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
    first, last = start, end
    if last < first:
        raise click.BadParameter(f"{last} is before {first}", param_hint="--to")
    days = tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    refuse_unfinished(days, allow_unfinished_days, "--to")
    kube = kube_api(ctx, namespace, context)
    settings = deployed_settings(ctx, kube, release)
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
            states[d] = SparkApp(kube.get_object(SPARK_APPS, doc["metadata"]["name"])).state
        except NotFoundError:
            states[d] = None
    return states


@click.command("status")
@values_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@release_option
@namespace_option
@context_option
@click.pass_context
def status(ctx: click.Context, limit: int, release: str, namespace: str | None, context: str | None) -> None:
    """Recent runs of the pipeline, gold and table maintenance: schedule, job, state, start,
    duration, check result."""
    kube = kube_api(ctx, namespace, context)
    now = dt.datetime.now(dt.UTC)
    apps = [
        *kube.list_objects(SPARK_APPS, runs_selector(release)),
        *kube.list_objects(SPARK_APPS, maintenance_runs_selector(release)),
    ]
    rows = sorted(
        (run_row(SparkApp(a), now) for a in apps),
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


COMMANDS = [run, backfill, status]
