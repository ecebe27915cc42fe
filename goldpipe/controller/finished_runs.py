"""Finished runs: check them, publish them, post the results (level-triggered, exactly-once).

Work is found by listing the pipeline's SparkApplications: a terminal run without the
``goldpipe.io/checks`` label has no posted result yet. Handling one is idempotent at every step
(see ``goldpipe.checks.audit``), and the label comes last, so a crash anywhere only means the next
pass does the rest.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from goldpipe.checks.audit import AuditOutcome, audit_run
from goldpipe.checks.model import CheckResult
from goldpipe.controller.backoff import Backoff
from goldpipe.controller.events import post_once
from goldpipe.controller.lineage import emit_run
from goldpipe.controller.metrics import Metrics
from goldpipe.controller.notify import Webhook
from goldpipe.controller.table_metrics import record_freshness, record_run_rows
from goldpipe.core.errors import GoldpipeError
from goldpipe.core.names import branch_name
from goldpipe.deploy.apps import SparkApp
from goldpipe.deploy.kube import KubeApi, KubeError
from goldpipe.deploy.settings import Settings
from goldpipe.deploy.vocabulary import (
    ANNOTATION_STUCK,
    ANNOTATION_SUMMARY,
    LABEL_CHECKS,
    SPARK_APPS,
    maintenance_runs_selector,
    runs_selector,
)
from goldpipe.lakehouse.publish import PublishConflictError
from goldpipe.lineage.emitter import LineageEmitter

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger("goldpipe.controller.finished_runs")


def needs_result(app: SparkApp) -> bool:
    return app.terminal and app.checks is None


def overdue(app: SparkApp, now: dt.datetime, minutes: float) -> bool:
    """Not finished long after it started."""
    start = app.started
    return not app.terminal and start is not None and now - start > dt.timedelta(minutes=minutes)


def is_stuck(app: SparkApp, now: dt.datetime, minutes: float) -> bool:
    """Overdue, and not yet warned about."""
    return overdue(app, now, minutes) and not app.annotations.get(ANNOTATION_STUCK)


def summary(outcome: AuditOutcome) -> dict[str, Any]:
    """The compact JSON of the ``goldpipe.io/check-summary`` annotation."""
    failing = [f"{r.table}/{r.name}" + (f"@{r.event_date}" if r.event_date else "") for r in outcome.failures]
    return {
        "verdict": outcome.verdict,
        "published": outcome.published,
        "days": [d.isoformat() for d in outcome.days],
        "checks": len(outcome.results),
        "failed": [f for f, r in zip(failing, outcome.failures, strict=True) if r.blocks],
        "warnings": [f for f, r in zip(failing, outcome.failures, strict=True) if not r.blocks],
    }


@dataclass(frozen=True)
class Posting:
    """What goes on a finished run: the label value, the annotation, and one Event."""

    verdict: str
    details: Mapping[str, Any]
    type: str
    reason: str
    message: str


@dataclass
class RunProcessor:
    kube: KubeApi
    settings: Callable[[], Settings | None]
    catalog: Callable[[Settings], Catalog]
    metrics: Metrics
    webhook: Webhook | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    lineage: LineageEmitter = field(default_factory=LineageEmitter)
    # Runs whose handling failed for a transient reason, and when to try again.
    backoff: Backoff = field(default_factory=Backoff)

    def reconcile(self) -> None:
        settings = self.settings()
        if settings is None:
            return
        now = self.clock()
        apps = [SparkApp(a) for a in self.kube.list_objects(SPARK_APPS, runs_selector(settings.release.name))]
        # Newest first: an `auto` run that started while an older one was still unpublished was cut
        # from the same main and recomputed the older run's days too, so it supersedes it; the
        # older run then meets a moved main and is reported as a PublishConflict, not published.
        apps.sort(key=lambda a: (str(a.metadata.get("creationTimestamp", "")), a.name), reverse=True)
        limit = settings.controller.stuck_run_minutes
        # A hung table maintenance run blocks the later ones (concurrencyPolicy Forbid) just as a
        # hung gold run blocks the nightly runs: it is watched alike (never audited).
        maintenance = [
            SparkApp(a)
            for a in self.kube.list_objects(SPARK_APPS, maintenance_runs_selector(settings.release.name))
        ]
        self.metrics.overdue_runs.set(sum(overdue(app, now, limit) for app in [*apps, *maintenance]))
        for app in maintenance:
            if is_stuck(app, now, limit):
                self.warn_stuck(app, now, limit)
        for app in apps:
            name = app.name
            if needs_result(app):
                if not self.backoff.due(name):
                    continue
                try:
                    self.handle(settings, app)
                    self.backoff.succeeded(name)
                except (GoldpipeError, OSError) as exc:
                    count, delay = self.backoff.failed(name)
                    log.error(
                        "handling run %s failed (attempt %d), retry in %.0fs: %s", name, count, delay, exc
                    )
            elif is_stuck(app, now, settings.controller.stuck_run_minutes):
                self.warn_stuck(app, now, settings.controller.stuck_run_minutes)

    def handle(self, settings: Settings, app: SparkApp) -> None:
        name, state = app.name, app.state
        if not app.completed:
            self._lineage(settings, app, False, f"Spark run {state}: nothing was published")
            self._post(
                app,
                Posting(
                    "failed",
                    {"verdict": "failed", "published": False, "spark": state},
                    "Warning",
                    "RunFailed",
                    f"Spark run {state}: nothing was published; gold main unchanged",
                ),
            )
            self._count(app, "run_failed", failure="run_failed")
            self._notify(f"goldpipe: run {name} {state}; nothing published.")
            return
        catalog = self.catalog(settings)
        try:
            outcome = audit_run(
                catalog,
                run_id=app.run_id,
                jobs=app.jobs,
                config=settings.checks,
                now=self.clock(),
                application=name,
            )
        except PublishConflictError as exc:
            # Final: main moved under the run, its branch can never be fast-forwarded.
            self._lineage(settings, app, False, str(exc), catalog=catalog)
            self._post(
                app,
                Posting(
                    "failed",
                    {"verdict": "failed", "published": False, "conflict": str(exc)},
                    "Warning",
                    "PublishConflict",
                    str(exc),
                ),
            )
            self._count(app, "conflict", failure="publish_conflict")
            self._notify(f"goldpipe: run {name} could not be published: {exc}")
            return
        self._record_metrics(app, outcome)
        record_run_rows(catalog, app.jobs, app.run_id, self.metrics)
        if outcome.published:
            record_freshness(catalog, self.metrics)
        failed = outcome.verdict == "failed"
        error = "blocking checks failed, nothing published: " + "; ".join(summary(outcome)["failed"])
        self._lineage(
            settings, app, not failed, error if failed else None, results=outcome.results, catalog=catalog
        )
        self._post(app, Posting(outcome.verdict, summary(outcome), *self._event(outcome)))
        if outcome.verdict == "failed":
            self._notify(
                f"goldpipe: run {name} failed its blocking checks, nothing published "
                f"(branch {branch_name(app.run_id)} kept): " + "; ".join(summary(outcome)["failed"])
            )

    def _lineage(
        self,
        settings: Settings,
        app: SparkApp,
        succeeded: bool,
        error: str | None,
        *,
        results: list[CheckResult] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        """OpenLineage events of the run, before its label: a crash in between re-sends the same
        events (same run ids), which receivers take as one."""
        emit_run(
            self.lineage, settings, (lambda: catalog) if catalog else (lambda: self.catalog(settings)), app,
            succeeded=succeeded, error=error, results=results or (), now=self.clock(),
        )  # fmt: skip

    @staticmethod
    def _event(outcome: AuditOutcome) -> tuple[str, str, str]:
        days = ", ".join(d.isoformat() for d in outcome.days) or "no new day"
        if outcome.verdict == "failed":
            listed = "; ".join(f"{r.table}/{r.name}: {r.message}" for r in outcome.failures if r.blocks)
            return (
                "Warning",
                "ChecksFailed",
                f"blocking checks failed for {days}, nothing published: {listed}",
            )
        if outcome.verdict == "warning":
            listed = "; ".join(f"{r.table}/{r.name}: {r.message}" for r in outcome.failures)
            return "Warning", "ChecksWarning", f"published {days} with warnings: {listed}"
        published = "published" if outcome.published else "nothing to publish"
        if outcome.verdict == "skipped":
            return "Normal", "Published", f"checks are disabled (checks.enabled: false): {days} {published}"
        return "Normal", "ChecksPassed", f"{len(outcome.results)} checks passed for {days}; {published}"

    def _count(self, app: SparkApp, verdict: str, failure: str | None = None) -> None:
        """A handled run: by verdict, its duration, and why it failed if it did."""
        self.metrics.runs.labels(verdict=verdict).inc()
        if failure is not None:
            self.metrics.runs_failed.labels(reason=failure).inc()
        start, end = app.started, app.ended
        if start is not None and end is not None:
            self.metrics.run_seconds.labels(verdict=verdict).observe(max(0.0, (end - start).total_seconds()))

    def _record_metrics(self, app: SparkApp, outcome: AuditOutcome) -> None:
        m = self.metrics
        self._count(app, outcome.verdict, failure="checks_failed" if outcome.verdict == "failed" else None)
        blocking: dict[str, int] = {}
        for result in outcome.results:
            for table in result.table.split(","):  # a check that errored for several tables names them all
                blocking[table] = blocking.get(table, 0) + int(result.blocks)
            m.check_failed.labels(table=result.table, check=result.name).set(
                0 if result.status == "pass" else 1
            )
            m.checks.labels(status=result.status, severity=result.severity).inc()
        for table, count in blocking.items():
            m.blocking_failures.labels(table=table).set(count)
        for check, seconds in outcome.timings.items():
            m.check_seconds.labels(check=check).observe(seconds)
        finished = app.ended
        if outcome.published and finished is not None:
            m.publish_lag.observe(max(0.0, (self.clock() - finished).total_seconds()))

    def _post(self, app: SparkApp, posting: Posting) -> None:
        """Event (once: a deterministic name), then the label that marks the run as done."""
        name = app.name
        post_once(self.kube, app, type_=posting.type, reason=posting.reason, message=posting.message)
        annotation = json.dumps(posting.details, separators=(",", ":"), sort_keys=True)
        self.kube.patch_metadata(
            SPARK_APPS, name, {LABEL_CHECKS: posting.verdict}, {ANNOTATION_SUMMARY: annotation}
        )
        log.info(
            "run result posted", extra={"run": name, "verdict": posting.verdict, "reason": posting.reason}
        )

    def warn_stuck(self, app: SparkApp, now: dt.datetime, limit: float) -> None:
        name = app.name
        start = app.started
        minutes = int((now - start).total_seconds() // 60) if start else 0
        message = (
            f"run {app.state} for {minutes} minutes (limit {limit:g}); under "
            "concurrencyPolicy Forbid it blocks every later scheduled run"
        )
        post_once(self.kube, app, type_="Warning", reason="RunStuck", message=message)
        self.kube.patch_metadata(SPARK_APPS, name, {}, {ANNOTATION_STUCK: now.isoformat(timespec="seconds")})
        self.metrics.stuck.inc()
        self.metrics.runs_failed.labels(reason="stuck").inc()
        self._notify(f"goldpipe: {message} ({name})")

    def _notify(self, text: str) -> None:
        if self.webhook is not None:
            self.webhook.send(text)


__all__ = ["KubeError", "RunProcessor"]
