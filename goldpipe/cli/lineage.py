"""The OpenLineage events of `goldpipe run-local`: the same events as the controller's for a
cluster run (parent job `run-local`), sent before the command exits and waited for at most a
bounded time. Nothing here can change the run's output or exit status."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

import click

from goldpipe.checks.audit import AuditOutcome
from goldpipe.lakehouse.config import CatalogConfig
from goldpipe.lineage.config import LineageConfig
from goldpipe.lineage.emitter import LineageEmitter
from goldpipe.lineage.events import RunFacts, run_events
from goldpipe.lineage.facts import job_runs

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger(__name__)

PARENT = "run-local"


def emit_local_run(
    config: LineageConfig,
    catalog: Catalog,
    cfg: CatalogConfig,
    outcome: AuditOutcome,
    *,
    jobs: tuple[str, ...],
    started: dt.datetime,
) -> None:
    try:
        if not config.enabled:
            return
        results: dict[str, int] = {}
        emitter = LineageEmitter(count=lambda result: results.__setitem__(result, results.get(result, 0) + 1))
        emitter.configure(config)
        facts = RunFacts(
            key=outcome.run_id,
            created=started,
            parent=PARENT,
            started=started,
            ended=dt.datetime.now(dt.UTC),
            succeeded=outcome.verdict != "failed",
            error=None if outcome.verdict != "failed" else "blocking checks failed, nothing published",
            dataset_namespace=cfg.warehouse.rstrip("/") or f"iceberg://{cfg.name}",
            jobs=job_runs(catalog, jobs, outcome.run_id, started, outcome.results),
        )
        emitter.emit(run_events(facts, config.namespace))
        # Each event may take a few attempts of `timeoutSeconds`; the command waits for two.
        emitter.flush(timeout=2 * config.timeout_seconds)
    except Exception as exc:  # lineage never fails a run
        log.debug("OpenLineage events of run-local failed", exc_info=True)
        click.echo(f"warning: OpenLineage events not sent: {exc}", err=True)
        return
    if results.get("sent", 0) != sum(results.values()):
        click.echo(f"warning: OpenLineage events: {results} (see lineage.transport)", err=True)
