"""Write-Audit-Publish of one run: check the run's branch, record the results, publish if good.

The one way gold reaches ``main``: the Spark jobs only ever write their run's branch, and this
publishes it, for ``goldpipe run-local`` and the controller alike; with checks disabled it
publishes without auditing.

The same path serves ``goldpipe run-local`` and the controller. Every step is idempotent and
recognises its own earlier effect, so a crash at any point followed by a rerun checks and
publishes a run exactly once: recorded results are read back (``audit.check_results``), and a
table already published carries the run's tag.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from goldpipe.checks import history
from goldpipe.checks.config import ChecksConfig
from goldpipe.checks.model import CheckResult, Verdict, verdict
from goldpipe.checks.runner import CheckTarget, run_checks
from goldpipe.core.names import branch_name, tag_name
from goldpipe.lakehouse import gold_tables
from goldpipe.lakehouse.publish import TablePublish, publish_run

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger(__name__)


@dataclass
class AuditOutcome:
    run_id: str
    days: tuple[dt.date, ...]
    results: list[CheckResult]
    verdict: Verdict
    published: bool
    publishes: list[TablePublish] = field(default_factory=list)
    rechecked: bool = True  # False when the results were read back from audit.check_results
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status != "pass"]


def run_days(catalog: Catalog, jobs: tuple[str, ...], run_id: str) -> tuple[dt.date, ...]:
    """Days the run wrote: from its branch, or from its tag once published."""
    days: set[dt.date] = set()
    for job in jobs:
        table = gold_tables.gold_table(catalog, job)
        refs = table.metadata.refs
        ref = tag_name(run_id) if tag_name(run_id) in refs else branch_name(run_id)
        if ref in refs:
            days |= gold_tables.run_days(table, ref, run_id)
    return tuple(sorted(days))


def audit_run(
    catalog: Catalog,
    *,
    run_id: str,
    jobs: tuple[str, ...],
    config: ChecksConfig,
    now: dt.datetime,
    application: str | None = None,
) -> AuditOutcome:
    days = run_days(catalog, jobs, run_id)
    if not config.enabled:
        # Checks off: the same publish, unaudited, so every published run still has its tag.
        outcome = AuditOutcome(run_id, days, [], "skipped", False)
        if days:
            outcome.publishes = publish_run(catalog, jobs, run_id)
            outcome.published = True
        return outcome
    results = history.recorded_results(catalog, run_id)
    rechecked = results is None
    timings: dict[str, float] = {}
    if results is None:
        target = CheckTarget(jobs=jobs, days=days, ref=branch_name(run_id), run_id=run_id)
        results = (
            run_checks(
                catalog,
                target,
                config,
                now=now,
                history=lambda job, day, window: history.metric_history(
                    catalog, job, day, window, exclude_run=run_id
                ),
                timings=timings,
            )
            if days
            else []
        )
        history.record_results(
            catalog,
            run_id,
            results,
            application=application,
            jobs_by_table={j: j for j in jobs},
            checked_at=now,
        )
    results = [r for r in results if r.name != "no-new-day"]
    outcome = AuditOutcome(
        run_id, days, results, verdict(results), False, rechecked=rechecked, timings=timings
    )
    if days and outcome.verdict != "failed":
        outcome.publishes = publish_run(catalog, jobs, run_id)
        outcome.published = True
    elif days:
        log.warning(
            "run %s failed its blocking checks: nothing published, branch %s kept",
            run_id,
            branch_name(run_id),
        )
    return outcome
