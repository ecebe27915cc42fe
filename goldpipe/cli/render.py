"""``goldpipe render``: the manifests the controller applies, printed."""

from __future__ import annotations

import datetime as dt
import os

import click
import yaml

from goldpipe.cli.cluster_context import local_settings, release_option
from goldpipe.cli.params import DAY, job_name, values_option
from goldpipe.controller.schedules import desired_schedules
from goldpipe.deploy.render.crds import NO_CRDS, crds_dir
from goldpipe.deploy.render.manifests import render_run


@click.command("render")
@values_option
@release_option
@click.option(
    "-n", "--namespace", default=lambda: os.environ.get("POD_NAMESPACE", "default"), show_default="default"
)
@click.option("--job", default=None, help="Render a one-off SparkApplication of this job (needs --date).")
@click.option("--date", "day", type=DAY, default=None, help="Day of the one-off run (YYYY-MM-DD).")
@click.pass_context
def render(ctx: click.Context, release: str, namespace: str, job: str | None, day: dt.date | None) -> None:
    """Print the ScheduledSparkApplications the controller applies, the table maintenance one
    included (or one run with --job/--date).

    The output is validated against the Spark Operator CRDs (a warning says so when they are
    not installed); the pod templates inside, which the CRDs leave open, are checked by the
    API server when spark-submit creates the pods. Only the owner reference to the chart's
    ConfigMap is missing: it needs the ConfigMap's uid, known in the cluster only.
    """
    settings = local_settings(ctx, release, namespace)
    if crds_dir() is None:
        click.echo(f"warning: {NO_CRDS}", err=True)
    if (job is None) != (day is None):
        raise click.UsageError("--job and --date go together")
    docs = (
        [render_run(settings, job_name(job, "--job"), day)]
        if job is not None and day is not None
        else desired_schedules(settings)
    )
    click.echo(yaml.safe_dump_all(docs, sort_keys=False, width=120), nl=False)


COMMANDS = [render]
