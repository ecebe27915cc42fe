"""Prometheus metrics of the controller (own registry: no process-global state in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


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
