"""Publishing a run: move ``main`` of each gold table to the run's audit branch head.

pyiceberg has no fast-forward and its ``set_current_snapshot`` does not check ancestry, so the
guard is here: publish only if ``main``'s current snapshot is an ancestor of the branch head
(``main`` has not moved since the branch was cut). The commit itself carries pyiceberg's
``AssertRefSnapshotId`` requirement on ``main``, which the catalog checks atomically with its
compare-and-swap of the metadata location: a concurrent publish makes ours fail and retry, and
the retry's guard then refuses. One commit per table moves ``main``, tags the head with the run
id and drops the branch, so a table is either published (its tag exists) or not: that tag is
how a publish that already happened is recognised after a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from goldpipe.branches import branch_name, tag_name
from goldpipe.checks.inputs import ancestry, gold_table
from goldpipe.errors import GoldpipeError

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

log = logging.getLogger(__name__)

TAG_RETENTION_MS = 90 * 24 * 3600 * 1000


class PublishConflictError(GoldpipeError):
    """``main`` moved since the branch was cut: publishing would discard someone's commits."""


@dataclass(frozen=True)
class TablePublish:
    table: str
    outcome: str  # "published", "already", "nothing"
    snapshot_id: int | None


def publish_table(table: Table, run_id: str, *, attempts: int = 5) -> TablePublish:
    from pyiceberg.exceptions import CommitFailedException

    name = table.name()[-1]
    branch, tag = branch_name(run_id), tag_name(run_id)
    for attempt in range(1, attempts + 1):
        table.refresh()
        refs = table.metadata.refs
        if tag in refs:
            return TablePublish(name, "already", refs[tag].snapshot_id)
        if branch not in refs:
            return TablePublish(name, "nothing", None)
        head_id = refs[branch].snapshot_id
        main_id = refs["main"].snapshot_id if "main" in refs else None
        lineage = {s.snapshot_id for s in ancestry(table, table.snapshot_by_id(head_id))}
        if main_id is not None and main_id not in lineage:
            raise PublishConflictError(
                f"cannot publish run {run_id} to {'.'.join(table.name())}: main ({main_id}) moved since "
                f"branch {branch} was cut and is not an ancestor of its head ({head_id}); the branch is kept"
            )
        try:
            with table.manage_snapshots() as ms:
                ms.set_current_snapshot(snapshot_id=head_id)
                ms.create_tag(head_id, tag, max_ref_age_ms=TAG_RETENTION_MS)
                ms.remove_branch(branch)
        except CommitFailedException as exc:
            log.warning(
                "publish of %s raced with another commit (%s); attempt %d/%d", name, exc, attempt, attempts
            )
            continue
        return TablePublish(name, "published", head_id)
    raise GoldpipeError(f"cannot publish run {run_id} to {name}: commits kept conflicting")


def publish_run(catalog: Catalog, tables: Iterable[str], run_id: str) -> list[TablePublish]:
    """Publish every table of the run (each atomically; see the module docstring)."""
    return [publish_table(gold_table(catalog, t), run_id) for t in tables]


def published(catalog: Catalog, tables: Iterable[str], run_id: str) -> bool:
    tag = tag_name(run_id)
    return all(tag in gold_table(catalog, t).metadata.refs for t in tables)
