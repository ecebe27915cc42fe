"""``goldpipe run-local``: the options, then the report of ``goldpipe.cli.local_run`` printed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from goldpipe.cli.local_run import LocalRunReport, LocalRunRequest, run_local
from goldpipe.cli.output import check_table, format_table
from goldpipe.cli.params import DAYS, allow_unfinished_option, refuse_unfinished, values_option
from goldpipe.core.contract import JOB_NAMES, parse_jobs
from goldpipe.core.dates import DATE_SPEC_HELP, DateSpec
from goldpipe.deploy.settings import load_settings


class JobsType(click.ParamType[tuple[str, ...]]):
    name = "JOBS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        try:
            return parse_jobs(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


@click.command("run-local")
@values_option
@click.option("--date", "dates", type=DAYS, required=True, help=DATE_SPEC_HELP)
@click.option(
    "--jobs",
    type=JobsType(),
    default="all",
    show_default=True,
    help=f"Comma-separated: {', '.join(JOB_NAMES)}",
)
@click.option(
    "--max-catch-up-days",
    type=click.IntRange(min=1),
    default=None,
    help="With --date auto: at most this many days in one run.  [default: the values' "
    "defaults.maxCatchUpDays, 7 in the chart]",
)
@allow_unfinished_option
@click.option("--run-id", default=None, help="Names the run's branch. Default: time + random suffix.")
@click.option(
    "--timings",
    "timings_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write where the time went (seconds per phase) to this JSON file.",
)
@click.pass_context
def run_local_command(
    ctx: click.Context,
    dates: DateSpec,
    jobs: tuple[str, ...],
    max_catch_up_days: int | None,
    allow_unfinished_days: bool,
    run_id: str | None,
    timings_file: Path | None,
) -> None:
    """Run gold jobs in Spark local mode against the configured catalog (never writes silver)."""
    refuse_unfinished(dates.days, allow_unfinished_days)  # arguments first: touches nothing
    settings = load_settings(ctx.obj["values_file"])
    catch_up = max_catch_up_days or int(settings.values["defaults"]["maxCatchUpDays"])
    report = run_local(
        settings,
        LocalRunRequest(dates=dates, jobs=jobs, max_catch_up_days=catch_up, run_id=run_id),
        progress=lambda line: click.echo(line, err=True),
    )
    if timings_file is not None:
        timings = {
            "seconds": {k: round(v, 3) for k, v in report.phases.items()},
            "driver_peak_rss_mib": report.driver_peak_rss_mib,
        }
        timings_file.write_text(json.dumps(timings, indent=2) + "\n")
    _print(report)
    if report.run is not None and report.run.days and not report.published:
        sys.exit(1)


def _print(report: LocalRunReport) -> None:
    run, outcome = report.run, report.outcome
    if run is None:
        click.echo("gold is up to date: it has every day up to yesterday that silver has (Spark not started)")
        return
    rows = [[job, s.days, s.rows_written, s.rejected_rows, f"{s.seconds:.1f}"] for job, s in run.jobs.items()]
    click.echo(format_table(["job", "days", "rows written", "rejected input rows", "seconds"], rows))
    click.echo("(rejected input rows: of the silver tables each job reads; see gold.rejected_rows)")
    if outcome is not None and outcome.verdict == "skipped":
        click.echo("checks disabled (checks.enabled: false): published without auditing")
    elif outcome is not None:
        click.echo(check_table(outcome.results))
        summary = f"checks {outcome.verdict}"
        if not report.published:
            summary += f": blocking checks failed, main unchanged, branch {run.branch} kept"
        click.echo(summary)
    state = "published to main" if report.published else "not published"
    click.echo(f"run {run.run_id}: {len(run.days)} day(s), {state}, {report.phases['total']:.1f}s total")


COMMANDS = [run_local_command]
