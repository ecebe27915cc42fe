"""The per-table gauges: freshness of every gold table's ``main`` and what the latest table
maintenance did to each table (both read on every resync, and after every publish or maintenance
run, so they are level-triggered like the rest of the controller and survive its restart), and
the rows of each table's latest audited run."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from goldpipe.controller.metrics import Metrics
from goldpipe.core.contract import GOLD_NAMESPACE, JOB_NAMES
from goldpipe.core.maintenance_report import MaintenanceRecord
from goldpipe.lakehouse.table_stats import freshness, maintenance_reports, run_rows

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger(__name__)


def day_start(day: dt.date) -> float:
    """00:00 UTC of a business day, as Unix seconds."""
    return dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()


def record_freshness(catalog: Catalog, metrics: Metrics) -> bool:
    """Set the freshness gauges of every gold table that has data; False when reading failed.

    Any failure is counted and logged, never raised: a metric must not stop an audit or the loop.
    A table's gauges keep their last values then, and the stale-table alert keeps judging them.
    """
    try:
        for table in JOB_NAMES:
            fresh = freshness(catalog, table)
            if fresh is None:
                continue
            if fresh.last_commit is not None:
                metrics.last_published.labels(table=table).set(fresh.last_commit.timestamp())
            if fresh.newest_day is not None:
                metrics.newest_day.labels(table=table).set(day_start(fresh.newest_day))
    except Exception as exc:  # catalog, object store or metadata: all the same to a gauge
        metrics.table_stats_errors.inc()
        log.warning("cannot read the gold tables' freshness: %s", exc)
        return False
    return True


def record_run_rows(catalog: Catalog, jobs: tuple[str, ...], run_id: str, metrics: Metrics) -> None:
    """Rows written and rejected per table of a run just audited (never raises, as above)."""
    try:
        rows = run_rows(catalog, jobs, run_id)
    except Exception as exc:
        metrics.table_stats_errors.inc()
        log.warning("cannot read the rows of run %s: %s", run_id, exc)
        return
    for table, counts in rows.items():
        metrics.rows_written.labels(table=table).set(counts.written)
        metrics.rows_rejected.labels(table=table).set(counts.rejected)


def table_label(identifier: str) -> str:
    """The ``table`` label of a maintained table (``namespace.name``): a gold table by its name
    alone, like on every other per-table series (so a dashboard can join them), any other with its
    namespace (``audit.check_results``)."""
    namespace, _, name = identifier.partition(".")
    return name if namespace == GOLD_NAMESPACE else identifier


def set_maintenance_gauges(reports: Mapping[str, MaintenanceRecord | None], metrics: Metrics) -> None:
    """The ``goldpipe_table_last_maintenance_*`` gauges of every table that has a report."""
    for identifier, record in reports.items():
        if record is None:
            continue
        table = table_label(identifier)
        metrics.last_maintenance.labels(table=table).set(record.finished_at.timestamp())
        for count, value in record.counts().items():
            metrics.maintenance_counts[count].labels(table=table).set(value)


def record_maintenance(catalog: Catalog, metrics: Metrics) -> bool:
    """Read every table's latest maintenance report and set its gauges; False when reading failed
    (counted and logged, never raised, as above)."""
    try:
        reports = maintenance_reports(catalog)
    except Exception as exc:
        metrics.table_stats_errors.inc()
        log.warning("cannot read the tables' maintenance reports: %s", exc)
        return False
    set_maintenance_gauges(reports, metrics)
    return True
