"""goldpipe's gold tables through pyiceberg: a ref's head, its commit history, a day's rows.

Every commit goldpipe makes to a gold table carries the run id and the business days it replaced
in its snapshot summary (``goldpipe.core.names``); the history of a ref is walked with
pyiceberg's own ``ancestors_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from goldpipe.core import dates
from goldpipe.core.contract import GOLD_TABLES, job_inputs
from goldpipe.core.dates import AutoDays
from goldpipe.core.names import DATE_PROPERTY, RUN_PROPERTY, branch_created_property, property_days
from goldpipe.lakehouse.silver_tables import day_range

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.expressions import BooleanExpression
    from pyiceberg.table import Table
    from pyiceberg.table.snapshots import Snapshot
    from pyiceberg.table.update.snapshot import ManageSnapshots


EPOCH = dt.date(1970, 1, 1)


def gold_table(catalog: Catalog, table: str) -> Table:
    return catalog.load_table(GOLD_TABLES[table].identifier)


def head(table: Table, ref: str) -> Snapshot | None:
    return table.snapshot_by_name(ref)


def history(table: Table, ref: str) -> Iterable[Snapshot]:
    """The head of ``ref`` and its ancestors, newest first (nothing when ``ref`` does not exist)."""
    from pyiceberg.table.snapshots import ancestors_of

    return ancestors_of(head(table, ref), table.metadata)


def summary_property(snapshot: Snapshot, key: str) -> str | None:
    return None if snapshot.summary is None else snapshot.summary.get(key)


def days_of(snapshot: Snapshot) -> frozenset[dt.date]:
    """The business days a goldpipe commit replaced; none for other commits."""
    return property_days(summary_property(snapshot, DATE_PROPERTY))


def run_days(table: Table, ref: str, run_id: str) -> set[dt.date]:
    """Days that run ``run_id`` committed to ``ref``."""
    return {
        day
        for snapshot in history(table, ref)
        if summary_property(snapshot, RUN_PROPERTY) == run_id
        for day in days_of(snapshot)
    }


def committed(table: Table, ref: str, day: dt.date, run_id: str | None) -> bool:
    """Whether ``ref`` holds a goldpipe commit of ``day`` (by ``run_id``, when given)."""
    return any(
        day in days_of(snapshot) and (run_id is None or summary_property(snapshot, RUN_PROPERTY) == run_id)
        for snapshot in history(table, ref)
    )


def watermark(table: Table, ref: str = "main") -> dt.date | None:
    """``goldpipe.core.dates.watermark`` of ``table`` on ``ref`` from metadata only (no data file
    is opened): its data files' partitions and goldpipe's commit history. The same answer as the
    Spark jobs' ``spark_apps.gold.watermark``; what ``auto`` continues after, and what the
    freshness check calls the newest day."""
    snapshot = head(table, ref)
    if snapshot is None:
        return None
    committed = [day for s in history(table, ref) for day in days_of(s)]
    # The identity partition on event_date holds the day as days since the epoch.
    partitions = [
        EPOCH + dt.timedelta(days=int(task.file.partition[0]))
        for task in table.scan(snapshot_id=snapshot.snapshot_id, selected_fields=("event_date",)).plan_files()
        if task.file.partition[0] is not None
    ]
    return dates.watermark([*committed, *partitions])


def auto_days(catalog: Catalog, jobs: tuple[str, ...], max_catch_up_days: int) -> AutoDays:
    """The days ``--date auto`` runs (``goldpipe.core.dates.jobs_auto_days``), from metadata."""
    marks = [
        watermark(gold_table(catalog, job)) if catalog.table_exists(GOLD_TABLES[job].identifier) else None
        for job in jobs
    ]
    today = dt.datetime.now(dt.UTC).date()
    return dates.jobs_auto_days(marks, today, max_catch_up_days, day_range(catalog, job_inputs(jobs)))


def drop_branch(catalog: Catalog, jobs: tuple[str, ...], branch: str) -> int:
    """Drop ``branch`` from the gold tables of ``jobs`` that have it (a run stopped before its
    audit: nothing on it is to be published); how many had it."""
    dropped = 0
    for job in jobs:
        if not catalog.table_exists(GOLD_TABLES[job].identifier):
            continue
        table = gold_table(catalog, job)
        if branch in table.metadata.refs:
            with dropping_branch(table, branch):
                pass
            dropped += 1
    return dropped


@contextmanager
def dropping_branch(table: Table, branch: str) -> Iterator[ManageSnapshots]:
    """One commit that drops ``branch``, with the ref changes the caller stages on the yielded
    ``ManageSnapshots`` before it, and removes the property dating the branch's cut
    (``spark_apps.gold.create_branch`` sets it), so a dropped branch leaves nothing behind for
    table maintenance to clean."""
    from pyiceberg.table.update.snapshot import ManageSnapshots

    with table.transaction() as tx:
        with ManageSnapshots(transaction=tx) as snapshots:
            yield snapshots
            snapshots.remove_branch(branch)
        key = branch_created_property(branch)
        if key in table.properties:
            tx.remove_properties(key)


def day_filter(day: dt.date) -> BooleanExpression:
    """Rows (and, through the identity partition, data files) of one business day."""
    from pyiceberg.expressions import EqualTo

    return EqualTo(term="event_date", value=day.isoformat())


def days_filter(days: Iterable[dt.date]) -> BooleanExpression:
    """Rows (and data files) of any of ``days``."""
    from pyiceberg.expressions import In

    return In(term="event_date", literals={day.isoformat() for day in days})
