"""Publishing a run: bring the days of the run's audit branch onto ``main`` of each gold table.

When ``main`` has not moved since the branch was cut (its snapshot is an ancestor of the branch
head), one commit fast-forwards ``main`` to the head, tags it with the run id and drops the
branch (and the table property dating its cut). When it has moved, because another run
published meanwhile (a backfill with ``--parallel``, a one-off run beside the nightly one), the
run is **rebased**: if every commit
``main`` gained since the fork is a goldpipe commit of *other* days (or changed no data), one
commit replaces the run's days on ``main`` with the very data files the checks read on the
branch (one snapshot for all of them, carrying the run id and the days like the Spark job's own
commits); a second commit tags the result and drops the branch. If ``main`` gained a commit of one of the
run's days (a newer run recomputed it) or one goldpipe did not write, publishing would discard
someone's data: ``PublishConflictError``.

Both kinds of commit carry pyiceberg's ``AssertRefSnapshotId`` requirement on ``main``, checked by
the catalog atomically with its compare-and-swap of the metadata location; when pyiceberg itself
retries the day commits after a concurrent change, its own validation refuses to delete files
that are gone or to ignore new files. Either failure sends us back to the guard above. A table is
published when its tag exists; a crash between a rebase's two commits is finished by the next
attempt, which finds the run's days on ``main`` by their run id and only adds the tag.

The rebase relies on two properties of gold tables: identity partitions by ``event_date`` (so a
day is a set of whole data files) and copy-on-write writes (no delete files to carry over).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from goldpipe.core.errors import GoldpipeError
from goldpipe.core.names import DATE_PROPERTY, RUN_PROPERTY, branch_name, days_property, tag_name
from goldpipe.lakehouse.gold_tables import (
    days_filter,
    days_of,
    dropping_branch,
    gold_table,
    summary_property,
)

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Table, Transaction
    from pyiceberg.table.snapshots import Snapshot

log = logging.getLogger(__name__)

TAG_RETENTION_MS = 90 * 24 * 3600 * 1000
# On a rebased day's commit: the branch head it was taken from (for whoever reads the history).
REBASED_FROM_PROPERTY = "goldpipe.rebased-from"


class PublishConflictError(GoldpipeError):
    """``main`` moved since the branch was cut: publishing would discard someone's commits."""


@dataclass(frozen=True)
class TablePublish:
    table: str
    outcome: str  # "published" (fast-forward), "rebased", "already", "nothing"
    snapshot_id: int | None


def publish_table(table: Table, run_id: str, *, attempts: int = 5) -> TablePublish:
    from pyiceberg.exceptions import CommitFailedException, ValidationException
    from pyiceberg.table.snapshots import ancestors_of

    name = table.name()[-1]
    branch, tag = branch_name(run_id), tag_name(run_id)
    for attempt in range(1, attempts + 1):
        table.refresh()
        refs = table.metadata.refs
        if tag in refs:
            return TablePublish(name, "already", refs[tag].snapshot_id)
        if branch not in refs:
            return TablePublish(name, "nothing", None)
        head = table.metadata.snapshot_by_id(refs[branch].snapshot_id)
        main = table.metadata.snapshot_by_id(refs["main"].snapshot_id) if "main" in refs else None
        if head is None:
            raise GoldpipeError(f"{name}: branch {branch} points at a snapshot the table does not have")
        try:
            if main is None or main.snapshot_id in {
                s.snapshot_id for s in ancestors_of(head, table.metadata)
            }:
                target, outcome = head.snapshot_id, "published"
            else:
                target, outcome = _rebase(table, run_id, head, main), "rebased"
            with dropping_branch(table, branch) as ms:
                if outcome == "published":
                    ms.set_current_snapshot(snapshot_id=target)
                ms.create_tag(target, tag, max_ref_age_ms=TAG_RETENTION_MS)
        except (CommitFailedException, ValidationException) as exc:
            log.warning(
                "publish of %s raced with another commit (%s); attempt %d/%d", name, exc, attempt, attempts
            )
            continue
        return TablePublish(name, outcome, target)
    raise GoldpipeError(f"cannot publish run {run_id} to {name}: commits kept conflicting")


_DATA_CHANGES = ("added-data-files", "deleted-data-files", "added-delete-files", "removed-delete-files")


def _changes_data(snapshot: Snapshot) -> bool:
    """False for commits that add and remove nothing (the empty first snapshot of a new branch),
    and for ``replace`` commits: the same rows in other files (table maintenance's compaction and
    manifest rewrites), which a rebase carries over like any other file of ``main``."""
    from pyiceberg.table.snapshots import Operation

    if snapshot.summary is not None and snapshot.summary.operation == Operation.REPLACE:
        return False
    return any(int(summary_property(snapshot, key) or 0) for key in _DATA_CHANGES)


def _rebase(table: Table, run_id: str, head: Snapshot, main: Snapshot) -> int:
    """Commit the run's days from the branch ``head`` onto ``main``; the snapshot ``main`` is then at."""
    from pyiceberg.table.snapshots import ancestors_between_ids, ancestors_of

    metadata = table.metadata
    on_main = {s.snapshot_id for s in ancestors_of(main, metadata)}
    # None when the two histories share nothing: runs that both started on a table without a
    # snapshot each cut their branch from an empty snapshot of its own.
    fork = next((s.snapshot_id for s in ancestors_of(head, metadata) if s.snapshot_id in on_main), None)
    run_days = {
        day
        for s in ancestors_between_ids(fork, head.snapshot_id, metadata)
        if summary_property(s, RUN_PROPERTY) == run_id
        for day in days_of(s)
    }
    rebased: set[dt.date] = set()
    for gained in ancestors_between_ids(fork, main.snapshot_id, metadata):
        days = days_of(gained)
        if summary_property(gained, RUN_PROPERTY) == run_id and days:
            rebased |= days  # this run's own rebase commit, before a crash
        elif (not days and _changes_data(gained)) or days & run_days:
            what = (
                f"day(s) {', '.join(d.isoformat() for d in sorted(days & run_days))}"
                if days
                else f"a commit goldpipe did not write ({gained.snapshot_id})"
            )
            raise PublishConflictError(
                f"cannot publish run {run_id} to {'.'.join(table.name())}: main moved since branch "
                f"{branch_name(run_id)} was cut and now has {what} that the run would overwrite; the "
                "branch is kept"
            )
    if run_days - rebased:
        with table.transaction() as tx:
            _replace_days(tx, table, run_days - rebased, head.snapshot_id, run_id)
    return int(table.metadata.refs["main"].snapshot_id)


def _replace_days(tx: Transaction, table: Table, days: set[dt.date], source: int, run_id: str) -> None:
    """Stage one snapshot on ``main`` in which the data files of ``days`` are those of ``source``."""

    def files(snapshot_id: int) -> list[DataFile]:
        scan = table.scan(snapshot_id=snapshot_id, row_filter=days_filter(days))
        return [task.file for task in scan.plan_files()]

    current = files(table.metadata.refs["main"].snapshot_id)
    properties = {
        DATE_PROPERTY: days_property(days),
        RUN_PROPERTY: run_id,
        REBASED_FROM_PROPERTY: str(source),
    }
    with tx.update_snapshot(properties).overwrite() as overwrite:
        for data_file in current:
            overwrite.delete_data_file(data_file)
        for data_file in files(source):
            overwrite.append_data_file(data_file)


def publish_run(catalog: Catalog, tables: Iterable[str], run_id: str) -> list[TablePublish]:
    """Publish every table of the run (each atomically; see the module docstring)."""
    return [publish_table(gold_table(catalog, t), run_id) for t in tables]


def published(catalog: Catalog, tables: Iterable[str], run_id: str) -> bool:
    tag = tag_name(run_id)
    return all(tag in gold_table(catalog, t).metadata.refs for t in tables)
