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
        self.last_success = Gauge(
            "goldpipe_last_successful_reconcile_timestamp_seconds",
            "When a reconciliation last succeeded",
            registry=r,
        )
