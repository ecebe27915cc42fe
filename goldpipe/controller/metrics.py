"""Prometheus metrics of the controller (own registry: no process-global state in tests).

Names follow Prometheus' conventions: a unit suffix in base units (``_seconds``, ``_timestamp_seconds``),
``_total`` on counters, and only bounded label sets: ``table`` and ``check`` come from the data
contract (``table`` of the maintenance gauges is also ``audit.check_results``), ``verdict``,
``reason``, ``result``, ``action``, ``status`` and ``severity`` from the tuples below. No run
name, date or other unbounded value is ever a label. The chart's alerting rules and dashboard
name only these metrics (tests/monitoring checks it against this registry).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.maintenance_report import COUNTS

# Why a run did not end published: a failed Spark run, a failed blocking check, a publish
# conflict, or a run still not finished after controller.stuckRunMinutes.
FAILURE_REASONS = ("run_failed", "checks_failed", "publish_conflict", "stuck")
# The verdict of a finished run: the audit's (passed, warning, failed, skipped) or why there was none.
VERDICTS = ("passed", "warning", "failed", "skipped", "run_failed", "conflict")
# What became of a finished table maintenance run.
MAINTENANCE_RESULTS = ("completed", "failed")
# The gauge `goldpipe_table_last_maintenance_<count>` of each count of a maintenance report.
MAINTENANCE_COUNT_HELP = {
    "expired_snapshots": "Snapshots the latest table maintenance expired on a table",
    "deleted_data_files": "Data files the latest table maintenance deleted with expired snapshots",
    "deleted_orphan_files": "Orphan files (referenced by no snapshot) the latest table maintenance deleted",
    "rewritten_manifests": "Manifests the latest table maintenance rewrote",
    "compacted_data_files": "Data files the latest table maintenance compacted (0 with compaction off)",
    "dropped_branches": "Failed runs' audit branches the latest table maintenance dropped",
}
# Runs last from minutes (a small day) to hours (a catch-up or backfill on a large lake).
RUN_DURATION_BUCKETS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.reconciles = Counter(
            "goldpipe_reconcile_total", "Reconciliations by result", ["result"], registry=r
        )
        self.reconcile_seconds = Histogram(
            "goldpipe_reconcile_duration_seconds", "Duration of a reconciliation", registry=r
        )
        self.config_valid = Gauge(
            "goldpipe_config_valid", "1 when the mounted configuration is valid, else 0", registry=r
        )
        self.schedules = Gauge(
            "goldpipe_schedules", "ScheduledSparkApplications goldpipe manages", registry=r
        )
        self.schedule_writes = Counter(
            "goldpipe_schedule_writes_total", "Schedules applied or deleted", ["action"], registry=r
        )
        self.runs = Counter(
            "goldpipe_runs_processed_total", "Finished runs handled, by verdict", ["verdict"], registry=r
        )
        self.runs_failed = Counter(
            "goldpipe_runs_failed_total",
            "Runs that did not end published, by reason: run_failed (Spark), checks_failed (a blocking "
            "check), publish_conflict, stuck (not finished after controller.stuckRunMinutes)",
            ["reason"],
            registry=r,
        )
        self.run_seconds = Histogram(
            "goldpipe_run_duration_seconds",
            "From a run's submission to its end, by verdict",
            ["verdict"],
            buckets=RUN_DURATION_BUCKETS,
            registry=r,
        )
        self.overdue_runs = Gauge(
            "goldpipe_overdue_runs",
            "Runs (table maintenance runs too) not finished after controller.stuckRunMinutes, "
            "as of the last look",
            registry=r,
        )
        self.checks = Counter(
            "goldpipe_checks_total",
            "Check results by status and severity",
            ["status", "severity"],
            registry=r,
        )
        self.check_failed = Gauge(
            "goldpipe_check_failed",
            "1 when the latest result of a check on a table did not pass",
            ["table", "check"],
            registry=r,
        )
        self.blocking_failures = Gauge(
            "goldpipe_table_last_run_blocking_check_failures",
            "Blocking checks that failed on a table in its latest audited run (0: none)",
            ["table"],
            registry=r,
        )
        self.rows_written = Gauge(
            "goldpipe_table_last_run_written_rows",
            "Rows the latest audited run wrote to a table (its commits' added-records)",
            ["table"],
            registry=r,
        )
        self.rows_rejected = Gauge(
            "goldpipe_table_last_run_rejected_rows",
            "Rejected input rows of the silver tables a table's job reads, over the latest audited "
            "run's days (gold.rejected_rows)",
            ["table"],
            registry=r,
        )
        self.last_published = Gauge(
            "goldpipe_table_last_published_timestamp_seconds",
            "When goldpipe last committed to a table's main (table maintenance not counted)",
            ["table"],
            registry=r,
        )
        self.newest_day = Gauge(
            "goldpipe_table_newest_day_timestamp_seconds",
            "Start (00:00 UTC) of the newest business day on a table's main",
            ["table"],
            registry=r,
        )
        self.last_maintenance = Gauge(
            "goldpipe_table_last_maintenance_timestamp_seconds",
            "When the latest table maintenance finished with a table (its report in the table)",
            ["table"],
            registry=r,
        )
        self.maintenance_counts = {
            count: Gauge(
                f"goldpipe_table_last_maintenance_{count}",
                MAINTENANCE_COUNT_HELP[count],
                ["table"],
                registry=r,
            )
            for count in COUNTS
        }
        self.maintenance_runs = Counter(
            "goldpipe_maintenance_runs_processed_total",
            "Finished table maintenance runs reported (an Event each), by result: completed, failed",
            ["result"],
            registry=r,
        )
        self.table_stats_errors = Counter(
            "goldpipe_table_stats_errors_total",
            "Failed reads of the tables' freshness or maintenance reports (the gauges keep their last "
            "values)",
            registry=r,
        )
        self.check_seconds = Histogram(
            "goldpipe_check_duration_seconds",
            "Time spent in each kind of check per run",
            ["check"],
            registry=r,
        )
        self.publish_lag = Histogram(
            "goldpipe_publish_lag_seconds",
            "From a run's end (COMPLETED) to its publication",
            buckets=(1, 2, 5, 10, 30, 60, 120, 300, 900, 3600),
            registry=r,
        )
        self.stuck = Counter(
            "goldpipe_stuck_runs_total", "Warnings about runs that do not finish", registry=r
        )
        self.last_success = Gauge(
            "goldpipe_last_successful_reconcile_timestamp_seconds",
            "When a reconciliation last succeeded",
            registry=r,
        )
        self.lineage_events = Counter(
            "goldpipe_lineage_events_total",
            "OpenLineage events by result: sent, failed (the receiver refused or did not answer), "
            "dropped (the queue was full)",
            ["result"],
            registry=r,
        )
        # Every series of a bounded label set exists from the start, at 0: `increase()` and the
        # alerts then see the first failure, not a series that appears at 1.
        for reason in FAILURE_REASONS:
            self.runs_failed.labels(reason=reason)
        for verdict in VERDICTS:
            self.runs.labels(verdict=verdict)
        for result in MAINTENANCE_RESULTS:
            self.maintenance_runs.labels(result=result)
        for result in ("sent", "failed", "dropped"):
            self.lineage_events.labels(result=result)
        for table in JOB_NAMES:
            self.blocking_failures.labels(table=table)
