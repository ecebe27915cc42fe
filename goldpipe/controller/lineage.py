"""The OpenLineage events of a finished SparkApplication, handed to the emitter: facts from the
typed view of the run and from the catalog. Never raises: lineage must not stop an audit."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from goldpipe.checks.model import CheckResult
from goldpipe.deploy.apps import SCHEDULED, SparkApp
from goldpipe.deploy.settings import Settings
from goldpipe.lineage.emitter import LineageEmitter
from goldpipe.lineage.events import RunFacts, run_events
from goldpipe.lineage.facts import job_runs

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger(__name__)


def parent_name(app: SparkApp) -> str:
    """The parent job: the schedule of a scheduled run, else the one-off (or backfill) run itself."""
    if app.run_kind == SCHEDULED and app.schedule:
        return f"schedule.{app.schedule}"
    return f"{app.run_kind or 'run'}.{app.name}"


def dataset_namespace(settings: Settings) -> str:
    """Where the tables live, as OpenLineage names a dataset's namespace: the warehouse location."""
    return settings.catalog.warehouse.rstrip("/") or f"iceberg://{settings.catalog.name}"


def emit_run(
    emitter: LineageEmitter,
    settings: Settings,
    catalog: Callable[[], Catalog],
    app: SparkApp,
    *,
    succeeded: bool,
    error: str | None,
    results: Sequence[CheckResult] = (),
    now: dt.datetime,
) -> None:
    emitter.configure(settings.lineage)
    if not settings.lineage.enabled:
        return
    try:
        opened = catalog()
        created = app.created or now
        started = app.started or created
        facts = RunFacts(
            key=str(app.metadata.get("uid") or app.name),
            created=created,
            parent=parent_name(app),
            started=started,
            ended=app.ended or now,
            succeeded=succeeded,
            error=error,
            dataset_namespace=dataset_namespace(settings),
            jobs=job_runs(opened, app.jobs, app.run_id, started, results),
        )
        emitter.emit(run_events(facts, settings.lineage.namespace))
    except Exception as exc:  # the catalog or an odd run: lineage is best-effort, the audit is not
        emitter.count("failed")
        log.warning("no OpenLineage events for run %s: %s", app.name, exc)
