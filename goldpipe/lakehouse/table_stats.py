"""What the metrics and lineage events say about a gold table, read from Iceberg metadata: its
freshness on ``main`` (the same two facts the freshness check judges), what one run wrote, and
what the latest table maintenance did to it.

Nothing here decides whether a number is good: the checks and the alerting rules do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from goldpipe.core.contract import GOLD_TABLES, JOB_INPUTS
from goldpipe.core.maintenance import CHECK_RESULTS_TABLE, GOLD_TABLE_NAMES
from goldpipe.core.maintenance_report import REPORT_PROPERTY, MaintenanceRecord, parse_record
from goldpipe.core.names import RUN_PROPERTY, branch_name, tag_name
from goldpipe.lakehouse.gold_tables import day_filter, days_of, gold_table, head, history, summary_property
from goldpipe.lakehouse.gold_tables import watermark as newest_day

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table


@dataclass(frozen=True)
class Freshness:
    """A gold table on ``main``: when goldpipe last committed to it (a run's write or rebase; table
    maintenance's commits change no rows and do not count) and the newest business day it has."""

    table: str
    last_commit: dt.datetime | None
    newest_day: dt.date | None


@dataclass(frozen=True)
class RunRows:
    """One run's rows in one gold table: written (its commits' ``added-records``) and the rejected
    input rows of the silver tables the job reads, over the run's days (``gold.rejected_rows``)."""

    written: int
    rejected: int


def freshness(catalog: Catalog, table: str) -> Freshness | None:
    """None when the table does not exist (yet)."""
    if not catalog.table_exists(GOLD_TABLES[table].identifier):
        return None
    loaded = gold_table(catalog, table)
    ours = next((s for s in history(loaded, "main") if summary_property(s, RUN_PROPERTY)), None)
    last = None if ours is None else dt.datetime.fromtimestamp(ours.timestamp_ms / 1000, dt.UTC)
    return Freshness(table, last, newest_day(loaded))


def run_ref(table: Table, run_id: str) -> str | None:
    """The ref holding a run's commits: its tag once published, else its branch (None: neither)."""
    refs = table.metadata.refs
    return next((ref for ref in (tag_name(run_id), branch_name(run_id)) if ref in refs), None)


def run_rows(catalog: Catalog, jobs: tuple[str, ...], run_id: str) -> dict[str, RunRows]:
    """Per job (= gold table) of the run that committed anything: its rows."""
    written: dict[str, int] = {}
    days: set[dt.date] = set()
    for job in jobs:
        table = gold_table(catalog, job)
        ref = run_ref(table, run_id)
        if ref is None:
            continue
        mine = [s for s in history(table, ref) if summary_property(s, RUN_PROPERTY) == run_id]
        written[job] = sum(int(summary_property(s, "added-records") or 0) for s in mine)
        days |= {d for s in mine for d in days_of(s)}
    rejected = _rejected_by_source(catalog, run_id if "rejected_rows" in jobs else None, days)
    return {
        job: RunRows(count, sum(rejected.get(source, 0) for source in JOB_INPUTS[job]))
        for job, count in written.items()
    }


def _rejected_by_source(catalog: Catalog, run_id: str | None, days: set[dt.date]) -> dict[str, int]:
    """Rejected rows per silver table over ``days``: from the run's own ``rejected_rows`` commits
    when it wrote that table, else from ``main`` (the published count of those days)."""
    identifier = GOLD_TABLES["rejected_rows"].identifier
    if not days or not catalog.table_exists(identifier):
        return {}
    table = gold_table(catalog, "rejected_rows")
    ref = (run_ref(table, run_id) if run_id else None) or "main"
    snapshot = head(table, ref)
    if snapshot is None:
        return {}
    from pyiceberg.expressions import Or

    where = day_filter(min(days))
    for day in sorted(days)[1:]:
        where = Or(where, day_filter(day))
    rows = table.scan(
        row_filter=where, snapshot_id=snapshot.snapshot_id, selected_fields=("source_table", "rejected_count")
    ).to_arrow()
    totals: dict[str, int] = {}
    for source, count in zip(
        rows.column("source_table").to_pylist(), rows.column("rejected_count").to_pylist(), strict=True
    ):
        totals[str(source)] = totals.get(str(source), 0) + int(count or 0)
    return totals


def snapshot_at(catalog: Catalog, identifier: str, moment: dt.datetime) -> int | None:
    """The snapshot of ``main`` a reader saw at ``moment`` (the newest one not after it; the oldest
    when all are later); None for a missing or empty table."""
    if not catalog.table_exists(identifier):
        return None
    table = catalog.load_table(identifier)
    millis = moment.timestamp() * 1000
    last = None
    for snapshot in history(table, "main"):  # newest first
        last = snapshot
        if snapshot.timestamp_ms <= millis:
            return int(snapshot.snapshot_id)
    return None if last is None else int(last.snapshot_id)


def run_snapshot(catalog: Catalog, job: str, run_id: str) -> int | None:
    """The snapshot holding what a run wrote to a job's table: its tag's (published) or its
    branch's head; None when the run left neither."""
    if not catalog.table_exists(GOLD_TABLES[job].identifier):
        return None
    table = gold_table(catalog, job)
    ref = run_ref(table, run_id)
    snapshot = None if ref is None else head(table, ref)
    return None if snapshot is None else int(snapshot.snapshot_id)


def maintenance_reports(catalog: Catalog) -> dict[str, MaintenanceRecord | None]:
    """Every table maintenance maintains that exists (``namespace.name``), with the report of its
    latest maintenance (None: never maintained, or an unreadable report)."""
    reports: dict[str, MaintenanceRecord | None] = {}
    for identifier in (*GOLD_TABLE_NAMES, CHECK_RESULTS_TABLE):
        if catalog.table_exists(identifier):
            reports[identifier] = parse_record(catalog.load_table(identifier).properties.get(REPORT_PROPERTY))
    return reports
