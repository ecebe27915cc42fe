"""The per-table gauges: freshness of every gold table's ``main`` (read on every resync and after
every publish, so they are level-triggered like the rest of the controller) and the rows of each
table's latest audited run."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from goldpipe.controller.metrics import Metrics
from goldpipe.core.contract import JOB_NAMES
from goldpipe.lakehouse.table_stats import freshness, run_rows

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
