"""Finished table maintenance runs: an Event each, with what it did per table, and the gauges.

Level-triggered like the gold runs (``finished_runs``): work is found by listing the release's
maintenance SparkApplications, and a finished one without the ``goldpipe.io/maintenance-result``
label has not been reported yet. What it did comes from the tables, not from Spark: the job
records each table's report in a table property (``goldpipe.core.maintenance_report``). The
Event has a deterministic name and the label comes last, so a crash in between only means the
next pass posts nothing twice and labels the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from goldpipe.controller.backoff import Backoff
from goldpipe.controller.events import post_once
from goldpipe.controller.metrics import Metrics
from goldpipe.controller.notify import Webhook
from goldpipe.controller.table_metrics import set_maintenance_gauges
from goldpipe.core.maintenance_report import MaintenanceRecord
from goldpipe.deploy.apps import SparkApp
from goldpipe.deploy.kube import KubeApi
from goldpipe.deploy.settings import Settings
from goldpipe.deploy.vocabulary import (
    LABEL_MAINTENANCE_RESULT,
    SPARK_APPS,
    maintenance_runs_selector,
)
from goldpipe.lakehouse.table_stats import maintenance_reports

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger("goldpipe.controller.maintenance_runs")


def needs_report(app: SparkApp) -> bool:
    return app.maintenance and app.terminal and app.maintenance_result is None


@dataclass(frozen=True)
class MaintenanceEvent:
    """What goes on a finished maintenance run: the label value and one Event."""

    result: str
    type: str
    reason: str
    message: str


def maintenance_event(app: SparkApp, reports: Mapping[str, MaintenanceRecord | None]) -> MaintenanceEvent:
    """The Event of a finished run, from every existing table's latest report: a report that names
    another run (a dry run records none, and a later run replaces it) is not this run's."""
    ours = [r for _, r in sorted(reports.items()) if r is not None and r.run_id == app.run_id]
    others = sorted(t for t, r in reports.items() if r is None or r.run_id != app.run_id)
    done = "; ".join(r.line() for r in ours)
    if app.completed:
        parts = ["table maintenance completed" + (f": {done}" if ours else "")]
        if others:
            parts.append("no report of this run from " + ", ".join(others))
        return MaintenanceEvent("completed", "Normal", "MaintenanceCompleted", "; ".join(parts))
    parts = [f"table maintenance {app.state} (its driver's log says why)"]
    if ours:
        parts.append(f"done before it stopped: {done}")
    if others:
        parts.append("not done: " + ", ".join(others))
    return MaintenanceEvent("failed", "Warning", "MaintenanceFailed", "; ".join(parts))


@dataclass
class MaintenanceProcessor:
    kube: KubeApi
    settings: Callable[[], Settings | None]
    catalog: Callable[[Settings], Catalog]
    metrics: Metrics
    webhook: Webhook | None = None
    backoff: Backoff = field(default_factory=Backoff)

    def reconcile(self) -> None:
        """Report every finished maintenance run not reported yet. An API error propagates (the
        loop logs it and tries again next pass); an unreadable catalog backs the run off."""
        settings = self.settings()
        if settings is None:
            return
        listed = self.kube.list_objects(SPARK_APPS, maintenance_runs_selector(settings.release.name))
        apps = [app for app in map(SparkApp, listed) if needs_report(app) and self.backoff.due(app.name)]
        if not apps:
            return
        try:
            reports = maintenance_reports(self.catalog(settings))
        except Exception as exc:  # catalog, object store or metadata: all the same here
            self.metrics.table_stats_errors.inc()
            for app in apps:
                count, delay = self.backoff.failed(app.name)
                log.error(
                    "cannot read the maintenance reports for run %s (attempt %d), retry in %.0fs: %s",
                    app.name, count, delay, exc,
                )  # fmt: skip
            return
        set_maintenance_gauges(reports, self.metrics)
        # Oldest first: the Events then come in the order the runs ran.
        for app in sorted(apps, key=lambda a: (str(a.metadata.get("creationTimestamp", "")), a.name)):
            self.post(app, maintenance_event(app, reports))
            self.backoff.succeeded(app.name)

    def post(self, app: SparkApp, event: MaintenanceEvent) -> None:
        """The Event (once: a deterministic name), the count and the webhook, then the label."""
        post_once(self.kube, app, type_=event.type, reason=event.reason, message=event.message)
        self.metrics.maintenance_runs.labels(result=event.result).inc()
        if event.result == "failed" and self.webhook is not None:
            self.webhook.send(f"goldpipe: {event.message} ({app.name})")
        self.kube.patch_metadata(SPARK_APPS, app.name, {LABEL_MAINTENANCE_RESULT: event.result}, {})
        log.info("maintenance run reported", extra={"run": app.name, "result": event.result})
