"""``goldpipe run-local``: the gold jobs in a local Spark session, then the audit and publish."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click

from goldpipe.cli.interrupts import Interrupted, held_interrupt, spark_interrupts
from goldpipe.cli.local_spark import catalog_session, spark_failures
from goldpipe.cli.output import check_table, format_table
from goldpipe.cli.params import allow_unfinished_option, refuse_unfinished, values_option
from goldpipe.core.contract import (
    JOB_NAMES,
    job_inputs,
    parse_jobs,
)
from goldpipe.core.dates import (
    DATE_SPEC_HELP,
    DEFAULT_MAX_CATCH_UP_DAYS,
    DateSpec,
    parse_date_spec,
)
from goldpipe.core.errors import GoldpipeError
from goldpipe.deploy.settings import load_settings
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import shown_uri


class DateSpecType(click.ParamType[DateSpec]):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> DateSpec:
        if isinstance(value, DateSpec):
            return value
        try:
            return parse_date_spec(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


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
@click.option("--date", "dates", type=DateSpecType(), required=True, help=DATE_SPEC_HELP)
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
    default=DEFAULT_MAX_CATCH_UP_DAYS,
    show_default=True,
    help="With --date auto: at most this many days in one run.",
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
def run_local(
    ctx: click.Context,
    dates: DateSpec,
    jobs: tuple[str, ...],
    max_catch_up_days: int,
    allow_unfinished_days: bool,
    run_id: str | None,
    timings_file: Path | None,
) -> None:
    """Run gold jobs in Spark local mode against the configured catalog (never writes silver)."""
    refuse_unfinished(dates.days, allow_unfinished_days)  # arguments first: touches nothing
    from goldpipe.lakehouse import gold_tables, silver_tables
    from goldpipe.lakehouse.jars import cds_dir, local_jars, native_jar, native_setting

    try:
        from spark_apps.jvm import wants_native
        from spark_apps.runtime import default_run_id
        from spark_apps.pipeline import RunRequest, run
    except ImportError as exc:
        raise GoldpipeError(f"run-local needs PySpark ({exc}); install goldpipe[spark]") from None

    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    phases: dict[str, float] = {}
    settings = load_settings(ctx.obj["values_file"])
    cfg = settings.catalog
    local_jars(cfg)  # a missing jar is reported before any work
    native = native_setting()
    checks = settings.checks(jobs)
    # Silver must be there before the JVM starts: a run never writes it, so a missing lakehouse or
    # silver table is one line from metadata, and nothing is created (gold's tables are Spark's).
    catalog = load_catalog(cfg)
    silver_tables.require_tables(catalog, job_inputs(jobs), cfg.name)
    resolved = gold_tables.auto_days(catalog, jobs, max_catch_up_days) if dates.is_auto else None
    days = resolved.days if resolved is not None else dates.days
    if not days:
        # Known from metadata alone: no JVM, no Spark session for a run with nothing to do.
        click.echo("gold is up to date: it has every day up to yesterday that silver has (Spark not started)")
        _write_timings(timings_file, {"total": time.monotonic() - started}, None)
        return
    day_rows = silver_tables.largest_day_rows(catalog, job_inputs(jobs), days)
    phases["catalog and settings"] = time.monotonic() - started
    request = RunRequest(
        jobs=jobs,
        dates=dates,
        run_id=run_id or default_run_id(),
        catalog=cfg.name,
        max_catch_up_days=max_catch_up_days,
        resolved_auto=resolved,
    )
    native_jar_path = native_jar() if wants_native(native, day_rows) else None
    engine = "local, native execution by Comet" if native_jar_path is not None else "local"
    click.echo(f"starting Spark ({engine}) on catalog {cfg.name!r} at {shown_uri(cfg.uri)}", err=True)
    with (
        spark_interrupts(lambda: _stopped(catalog, jobs, request.run_id)) as interrupts,
        spark_failures(f"run {request.run_id} failed; gold main is unchanged."),
    ):
        phase_started = time.monotonic()
        spark = interrupts.started(
            catalog_session(
                cfg,
                app_name=f"goldpipe-{request.run_id}",
                cds_dir=cds_dir(),
                day_rows=day_rows,
                native_jar=native_jar_path,
            )
        )
        phases["Spark session (JVM, Iceberg runtime)"] = time.monotonic() - phase_started
        # The audit's imports (pyarrow, DuckDB) while this process only waits for the JVM.
        threading.Thread(target=importlib.import_module, args=("goldpipe.checks.audit",), daemon=True).start()
        report = run(spark, request, progress=lambda line: click.echo(line, err=True))
        driver_rss = _driver_peak_rss_mib(spark)
        phases.update(report.phases)
    # Write-Audit-Publish: the run left its output on its branch; the audit publishes it (with
    # checks disabled, unaudited: the same publish, so the run has its tag all the same). All of
    # it before anything goes to stdout: a reader that stops early (`| head`) closes the pipe,
    # which ends this process, and must not leave the run unpublished.
    outcome = None
    if report.days:
        from goldpipe.checks.audit import audit_run

        click.echo(f"auditing branch {report.branch} ...", err=True)
        phase_started = time.monotonic()
        with held_interrupt(f"the audit and publish of run {report.run_id}") as held:
            outcome = audit_run(
                catalog, run_id=report.run_id, jobs=jobs, config=checks, now=dt.datetime.now(dt.UTC)
            )
        if held.requested:
            state = "published to main" if outcome.published else "not published, main unchanged"
            raise Interrupted(f"run {report.run_id} was audited first: {state}")
        phases["audit and publish"] = time.monotonic() - phase_started
        phases.update({f"audit: {name}": seconds for name, seconds in outcome.timings.items()})
        from goldpipe.cli.lineage import emit_local_run

        emit_local_run(settings.lineage, catalog, cfg, outcome, jobs=jobs, started=started_at)
    published = outcome is not None and outcome.published
    phases["total"] = time.monotonic() - started
    _write_timings(timings_file, phases, driver_rss)

    rows = [
        [job, s.days, s.rows_written, s.rejected_rows, f"{s.seconds:.1f}"] for job, s in report.jobs.items()
    ]
    click.echo(format_table(["job", "days", "rows written", "rejected input rows", "seconds"], rows))
    click.echo("(rejected input rows: of the silver tables each job reads; see gold.rejected_rows)")
    if outcome is not None and outcome.verdict == "skipped":
        click.echo("checks disabled (checks.enabled: false): published without auditing")
    elif outcome is not None:
        click.echo(check_table(outcome.results))
        summary = f"checks {outcome.verdict}"
        if not published:
            summary += f": blocking checks failed, main unchanged, branch {report.branch} kept"
        click.echo(summary)
    state = "published to main" if published else "not published"
    click.echo(f"run {report.run_id}: {len(report.days)} day(s), {state}, {phases['total']:.1f}s total")
    if report.days and not published:
        sys.exit(1)


def _stopped(catalog: Any, jobs: tuple[str, ...], run_id: str) -> str:
    """After Ctrl-C stopped the run before its audit: its branches go, main never saw it."""
    from goldpipe.core.names import branch_name
    from goldpipe.lakehouse.gold_tables import drop_branch

    dropped = drop_branch(catalog, jobs, branch_name(run_id))
    return f"run {run_id} stopped before its audit: gold main is unchanged" + (
        f", branch {branch_name(run_id)} dropped" if dropped else ""
    )


def _write_timings(path: Path | None, phases: dict[str, float], driver_rss_mib: float | None) -> None:
    if path is not None:
        timings = {
            "seconds": {k: round(v, 3) for k, v in phases.items()},
            "driver_peak_rss_mib": driver_rss_mib,
        }
        path.write_text(json.dumps(timings, indent=2) + "\n")


def _driver_peak_rss_mib(spark: Any) -> float | None:
    """The local driver JVM's peak resident memory (Linux: ``VmHWM``), None where unknown."""
    process = getattr(spark.sparkContext._gateway, "proc", None)
    try:
        status = Path(f"/proc/{process.pid}/status").read_text() if process else ""
    except OSError:
        return None
    peak = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(peak[0]) / 1024 if peak else None


COMMANDS = [run_local]
