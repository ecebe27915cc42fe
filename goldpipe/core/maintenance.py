"""Iceberg table maintenance, decided without Spark and without a clock.

What the maintenance job does to a table is a pure function of its policy, the table's refs and
a ``now`` passed in: which failed-run audit branches are old enough to drop, and the
``CALL <catalog>.system.<procedure>(...)`` statements to run. ``spark_apps.maintenance`` runs
them; ``goldpipe.deploy.settings`` builds the policy from the chart's ``maintenance`` values.

A branch ``audit_<run>`` still present after its run means the run failed (Spark, its audit, or
a publish conflict): a published run drops its branch. Such a branch is kept for debugging
until both its cut and its head are older than the retention, then dropped *before* the
snapshots are expired, so its snapshots expire in the same pass.

A branch is dated by its cut, not only by its head: a run cuts its branch from ``main``'s head,
and when ``main`` has not moved for longer than the retention, a branch cut a moment ago has an
old head. ``spark_apps.gold.create_branch`` records the cut's time in the table property
``goldpipe.branch-created.<branch>`` (``goldpipe.core.names``) in the cut's own commit, and cuts
without an Iceberg ref age, so Iceberg's expiry never drops a branch by its head's age either. A
branch without the property (cut before goldpipe recorded it, or by another tool) is judged by
its head alone. Publishing removes a branch's property in the commit that drops the branch;
one left behind (a branch dropped some other way, or here) is removed here.

``main`` and the run tags are never touched here: Iceberg's ``expire_snapshots`` keeps every
snapshot a ref still holds and drops a tag only after its own retention (90 days,
``goldpipe.lakehouse.publish``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Final

from goldpipe.core.contract import AUDIT_NAMESPACE, CHECK_RESULTS_NAME, GOLD_NAMESPACE, GOLD_TABLES
from goldpipe.core.names import BRANCH_CREATED_PREFIX, BRANCH_PREFIX

# Iceberg's remove_orphan_files refuses anything shorter: a file younger than a day may belong to
# a commit still in flight, and deleting it would corrupt that table.
MIN_ORPHAN_FILE_AGE_DAYS: Final = 1
# A failed run's branch keeps its snapshots and data files out of expiry for as long as it is kept;
# a week bounds that. Branches are now cut without an Iceberg ref age (spark_apps.gold), so this
# rule alone drops them, but branches cut by earlier versions carry RETAIN 7 DAYS and Iceberg's
# expiry drops those at that age anyway: a longer retention could not be honoured for them.
MAX_FAILED_BRANCH_RETENTION_DAYS: Final = 7
# The type column of Iceberg's refs metadata table.
BRANCH: Final = "BRANCH"
TAG: Final = "TAG"
MB: Final = 1024 * 1024

# The tables the job maintains: every gold table, then the audit's record when it exists.
GOLD_TABLE_NAMES: Final = tuple(f"{GOLD_NAMESPACE}.{name}" for name in GOLD_TABLES)
CHECK_RESULTS_TABLE: Final = f"{AUDIT_NAMESPACE}.{CHECK_RESULTS_NAME}"


@dataclass(frozen=True)
class MaintenancePolicy:
    """What maintenance does; the defaults are the chart's (``values.yaml`` ``maintenance``)."""

    snapshot_max_age_days: int = 7
    retain_last_snapshots: int = 5
    remove_orphan_files: bool = True
    orphan_file_min_age_days: int = 3
    rewrite_manifests: bool = True
    compaction: bool = False
    compaction_min_input_files: int = 5
    compaction_target_file_size_mb: int = 128
    failed_branch_retention_days: int = 7

    def problems(self) -> list[str]:
        """What is wrong with the policy, one sentence each (empty: fine)."""
        found = []
        for what, value in (
            ("snapshot max age (days)", self.snapshot_max_age_days),
            ("snapshots to retain", self.retain_last_snapshots),
            ("failed-branch retention (days)", self.failed_branch_retention_days),
            ("compaction target file size (MB)", self.compaction_target_file_size_mb),
        ):
            if value < 1:
                found.append(f"{what} must be at least 1, got {value}")
        if self.orphan_file_min_age_days < MIN_ORPHAN_FILE_AGE_DAYS:
            found.append(
                f"orphan file min age must be at least {MIN_ORPHAN_FILE_AGE_DAYS} day(s), got "
                f"{self.orphan_file_min_age_days}: younger files may belong to a write in flight"
            )
        if self.failed_branch_retention_days > MAX_FAILED_BRANCH_RETENTION_DAYS:
            found.append(
                f"failed-branch retention must be at most {MAX_FAILED_BRANCH_RETENTION_DAYS} days, got "
                f"{self.failed_branch_retention_days}: a failed run's branch holds its files out of expiry"
            )
        if self.compaction_min_input_files < 2:
            found.append(
                f"compaction min input files must be at least 2, got {self.compaction_min_input_files}"
            )
        return found


@dataclass(frozen=True)
class Ref:
    """One row of a table's ``refs``, with the commit time of the snapshot it points at and, for a
    branch goldpipe cut, when it was cut (None: not recorded)."""

    name: str
    type: str
    committed_at: dt.datetime
    created_at: dt.datetime | None = None

    @property
    def last_active(self) -> dt.datetime:
        """The later of the cut and the head's commit: a branch is as young as either."""
        return self.committed_at if self.created_at is None else max(self.committed_at, self.created_at)


def dated_refs(refs: list[Ref], properties: dict[str, str]) -> list[Ref]:
    """``refs`` with the cut time of each branch whose ``goldpipe.branch-created.*`` property is
    set (an unreadable or zone-less value is ignored: the head's age decides, as before)."""
    return [
        dataclasses.replace(ref, created_at=_instant(properties.get(BRANCH_CREATED_PREFIX + ref.name)))
        if ref.type == BRANCH
        else ref
        for ref in refs
    ]


def _instant(text: str | None) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def stale_failed_branches(refs: list[Ref], now: dt.datetime, retention_days: int) -> tuple[str, ...]:
    """The audit branches cut and last committed to more than ``retention_days`` before ``now``.

    Only ``audit_*`` branches: ``main``, tags and anybody else's branches are not goldpipe's to drop.
    """
    cutoff = now - dt.timedelta(days=retention_days)
    return tuple(
        sorted(
            ref.name
            for ref in refs
            if ref.type == BRANCH and ref.name.startswith(BRANCH_PREFIX) and ref.last_active < cutoff
        )
    )


def stale_branch_properties(
    properties: dict[str, str], refs: list[Ref], dropped: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The ``goldpipe.branch-created.*`` properties whose branch is gone or in ``dropped``.

    ``refs`` and ``properties`` must come from the same table metadata: a branch cut after they
    were read is in neither, so its property is never taken for a gone branch's.
    """
    branches = {ref.name for ref in refs if ref.type == BRANCH} - set(dropped)
    return tuple(
        sorted(
            key
            for key in properties
            if key.startswith(BRANCH_CREATED_PREFIX) and key[len(BRANCH_CREATED_PREFIX) :] not in branches
        )
    )


def _timestamp(moment: dt.datetime) -> str:
    """A Spark SQL timestamp literal in UTC, whatever the session's time zone. To the microsecond:
    Iceberg compares commit times in milliseconds, and a cut-off rounded to the second would keep
    a snapshot the branch rule, working on exact times, already judged too old."""
    if moment.tzinfo is None:
        raise ValueError(f"{moment} has no time zone")
    return f"TIMESTAMP '{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S.%f}+00:00'"


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class Procedure:
    """One ``CALL <catalog>.system.<name>(arg => value, ...)``; ``args`` are SQL literals."""

    name: str
    args: tuple[tuple[str, str], ...]

    def sql(self, catalog: str) -> str:
        named = ", ".join(f"{key} => {value}" for key, value in self.args)
        return f"CALL {catalog}.system.{self.name}({named})"


EXPIRE_SNAPSHOTS: Final = "expire_snapshots"
REMOVE_ORPHAN_FILES: Final = "remove_orphan_files"
REWRITE_MANIFESTS: Final = "rewrite_manifests"
REWRITE_DATA_FILES: Final = "rewrite_data_files"


def procedures(table: str, policy: MaintenancePolicy, now: dt.datetime, *, dry_run: bool) -> list[Procedure]:
    """The procedures for ``table`` (``namespace.name``), in the order they run.

    Compaction first and manifests next, so the expiry that follows sees the final layout; orphan
    files last, once expiry has stopped referencing what it deleted. A dry run only lists the
    orphan files: the other procedures have no dry run.
    """
    ident = ("table", _string(table))
    orphans = Procedure(
        REMOVE_ORPHAN_FILES,
        (
            ident,
            ("older_than", _timestamp(now - dt.timedelta(days=policy.orphan_file_min_age_days))),
            ("dry_run", "true" if dry_run else "false"),
            # List the table's location through its own FileIO (S3FileIO on an object store),
            # not a Hadoop FileSystem: the Spark image has no Hadoop s3 filesystem, and the
            # FileIO already has the catalog's endpoint and credentials.
            ("prefix_listing", "true"),
        ),
    )
    if dry_run:
        return [orphans] if policy.remove_orphan_files else []
    calls = []
    if policy.compaction:
        options = {
            "min-input-files": str(policy.compaction_min_input_files),
            "target-file-size-bytes": str(policy.compaction_target_file_size_mb * MB),
        }
        pairs = ", ".join(f"{_string(k)}, {_string(v)}" for k, v in options.items())
        calls.append(Procedure(REWRITE_DATA_FILES, (ident, ("options", f"map({pairs})"))))
    if policy.rewrite_manifests:
        calls.append(Procedure(REWRITE_MANIFESTS, (ident,)))
    calls.append(
        Procedure(
            EXPIRE_SNAPSHOTS,
            (
                ident,
                ("older_than", _timestamp(now - dt.timedelta(days=policy.snapshot_max_age_days))),
                ("retain_last", str(policy.retain_last_snapshots)),
            ),
        )
    )
    if policy.remove_orphan_files:
        calls.append(orphans)
    return calls


def drop_branch_sql(catalog: str, table: str, branch: str) -> str:
    return f"ALTER TABLE {catalog}.{table} DROP BRANCH IF EXISTS `{branch}`"


def unset_properties_sql(catalog: str, table: str, keys: tuple[str, ...]) -> str:
    listed = ", ".join(_string(key) for key in keys)
    return f"ALTER TABLE {catalog}.{table} UNSET TBLPROPERTIES IF EXISTS ({listed})"


def set_property_sql(catalog: str, table: str, key: str, value: str) -> str:
    """A metadata-only commit (no snapshot) setting one table property."""
    return f"ALTER TABLE {catalog}.{table} SET TBLPROPERTIES ({_string(key)} = {_string(value)})"
