"""The service behind ``goldpipe run-local``: the gold jobs in a local Spark session, then the
audit and publish; a ``LocalRunReport`` of what happened, which the command only prints.

Each step gathers its own inputs: the settings (``load_settings``), the days (the catalog's
metadata, before any JVM), the Spark session's size (the day's silver rows), the run, the audit.
"""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goldpipe.cli.interrupts import Interrupted, held_interrupt, spark_interrupts
from goldpipe.cli.local_spark import catalog_session, spark_failures
from goldpipe.core.contract import job_inputs
from goldpipe.core.dates import DateSpec
from goldpipe.core.errors import GoldpipeError
from goldpipe.deploy.settings import LocalSettings
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import shown_uri

if TYPE_CHECKING:
    from goldpipe.checks.audit import AuditOutcome
    from goldpipe.checks.config import ChecksConfig
    from spark_apps.pipeline import RunReport


@dataclass(frozen=True)
class LocalRunRequest:
    dates: DateSpec
    jobs: tuple[str, ...]
    max_catch_up_days: int
    run_id: str | None = None


@dataclass
class LocalRunReport:
    """What a local run did. ``run`` is None when gold was up to date (Spark never started)."""

    run: RunReport | None = None
    outcome: AuditOutcome | None = None
    phases: dict[str, float] = field(default_factory=dict)
    driver_peak_rss_mib: float | None = None

    @property
    def published(self) -> bool:
        return self.outcome is not None and self.outcome.published


def run_local(
    settings: LocalSettings, request: LocalRunRequest, progress: Callable[[str], None]
) -> LocalRunReport:
    """Run ``request`` on the catalog of ``settings``; ``progress`` gets the lines meant for a
    person watching (stderr). Nothing here writes to stdout: the report is printed by the caller
    once the run is published, so a reader that stops early cannot leave it half done."""
    from goldpipe.lakehouse import gold_tables, silver_tables
    from goldpipe.lakehouse.jars import cds_dir, local_jars, native_jar, native_setting

    try:
        from spark_apps.jvm import wants_native
        from spark_apps.pipeline import RunRequest, run
        from spark_apps.runtime import default_run_id
    except ImportError as exc:
        raise GoldpipeError(f"run-local needs PySpark ({exc}); install goldpipe[spark]") from None

    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    report = LocalRunReport()
    cfg, jobs = settings.catalog, request.jobs
    local_jars(cfg)  # a missing jar is reported before any work
    native = native_setting()
    checks = settings.checks(jobs)  # and a check the values configure wrongly
    # Silver must be there before the JVM starts: a run never writes it, so a missing lakehouse or
    # silver table is one line from metadata, and nothing is created (gold's tables are Spark's).
    catalog = load_catalog(cfg)
    silver_tables.require_tables(catalog, job_inputs(jobs), cfg.name)
    dates = request.dates
    resolved = gold_tables.auto_days(catalog, jobs, request.max_catch_up_days) if dates.is_auto else None
    days = resolved.days if resolved is not None else dates.days
    if not days:
        # Known from metadata alone: no JVM, no Spark session for a run with nothing to do.
        report.phases["total"] = time.monotonic() - started
        return report
    day_rows = silver_tables.largest_day_rows(catalog, job_inputs(jobs), days)
    report.phases["catalog and settings"] = time.monotonic() - started
    run_request = RunRequest(
        jobs=jobs,
        dates=dates,
        run_id=request.run_id or default_run_id(),
        catalog=cfg.name,
        max_catch_up_days=request.max_catch_up_days,
        resolved_auto=resolved,
    )
    native_jar_path = native_jar() if wants_native(native, day_rows) else None
    engine = "local, native execution by Comet" if native_jar_path is not None else "local"
    progress(f"starting Spark ({engine}) on catalog {cfg.name!r} at {shown_uri(cfg.uri)}")
    with (
        spark_interrupts(lambda: _stopped(catalog, jobs, run_request.run_id)) as interrupts,
        spark_failures(f"run {run_request.run_id} failed; gold main is unchanged."),
    ):
        phase_started = time.monotonic()
        spark = interrupts.started(
            catalog_session(
                cfg,
                app_name=f"goldpipe-{run_request.run_id}",
                cds_dir=cds_dir(),
                day_rows=day_rows,
                native_jar=native_jar_path,
            )
        )
        report.phases["Spark session (JVM, Iceberg runtime)"] = time.monotonic() - phase_started
        # The audit's imports (pyarrow, DuckDB) while this process only waits for the JVM.
        threading.Thread(target=importlib.import_module, args=("goldpipe.checks.audit",), daemon=True).start()
        report.run = run(spark, run_request, progress=progress)
        report.driver_peak_rss_mib = _driver_peak_rss_mib(spark)
        report.phases.update(report.run.phases)
    if report.run.days:
        report.outcome = _audit(settings, checks, catalog, report, jobs, started_at, progress)
    report.phases["total"] = time.monotonic() - started
    return report


def _audit(
    settings: LocalSettings,
    checks: ChecksConfig,
    catalog: Any,
    report: LocalRunReport,
    jobs: tuple[str, ...],
    started_at: dt.datetime,
    progress: Callable[[str], None],
) -> AuditOutcome:
    """Write-Audit-Publish: the run left its output on its branch; the audit publishes it (with
    checks disabled, unaudited: the same publish, so the run has its tag all the same)."""
    from goldpipe.checks.audit import audit_run
    from goldpipe.cli.lineage import emit_local_run

    assert report.run is not None
    run_id = report.run.run_id
    progress(f"auditing branch {report.run.branch} ...")
    phase_started = time.monotonic()
    with held_interrupt(f"the audit and publish of run {run_id}") as held:
        outcome = audit_run(catalog, run_id=run_id, jobs=jobs, config=checks, now=dt.datetime.now(dt.UTC))
    if held.requested:
        state = "published to main" if outcome.published else "not published, main unchanged"
        raise Interrupted(f"run {run_id} was audited first: {state}")
    report.phases["audit and publish"] = time.monotonic() - phase_started
    report.phases.update({f"audit: {name}": seconds for name, seconds in outcome.timings.items()})
    emit_local_run(settings.lineage, catalog, settings.catalog, outcome, jobs=jobs, started=started_at)
    return outcome


def _stopped(catalog: Any, jobs: tuple[str, ...], run_id: str) -> str:
    """After Ctrl-C stopped the run before its audit: its branches go, main never saw it."""
    from goldpipe.core.names import branch_name
    from goldpipe.lakehouse.gold_tables import drop_branch

    dropped = drop_branch(catalog, jobs, branch_name(run_id))
    return f"run {run_id} stopped before its audit: gold main is unchanged" + (
        f", branch {branch_name(run_id)} dropped" if dropped else ""
    )


def _driver_peak_rss_mib(spark: Any) -> float | None:
    """The local driver JVM's peak resident memory (Linux: ``VmHWM``), None where unknown."""
    process = getattr(spark.sparkContext._gateway, "proc", None)
    try:
        status = Path(f"/proc/{process.pid}/status").read_text() if process else ""
    except OSError:
        return None
    peak = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(peak[0]) / 1024 if peak else None
