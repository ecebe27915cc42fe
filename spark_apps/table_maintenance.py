"""The Spark edge of table maintenance: read each table's refs, run what
``goldpipe.core.maintenance`` decided, and count what it did.

Everything goes through SQL on the session's Iceberg catalog (``ALTER TABLE ... DROP BRANCH`` and
Iceberg's ``CALL <catalog>.system.*`` procedures), so it works on any catalog the gold jobs use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Row, SparkSession

from goldpipe.core.maintenance import (
    BRANCH,
    CHECK_RESULTS_TABLE,
    EXPIRE_SNAPSHOTS,
    GOLD_TABLE_NAMES,
    REMOVE_ORPHAN_FILES,
    REWRITE_DATA_FILES,
    REWRITE_MANIFESTS,
    TAG,
    MaintenancePolicy,
    Ref,
    dated_refs,
    drop_branch_sql,
    procedures,
    set_property_sql,
    stale_branch_properties,
    stale_failed_branches,
    unset_properties_sql,
)
from goldpipe.core.maintenance_report import REPORT_PROPERTY, MaintenanceRecord
from spark_apps.runtime import run_id_of

# Output columns of the procedures (Iceberg's Spark procedures documentation).
# Every expired snapshot had exactly one manifest list, so this counts the snapshots.
EXPIRED_SNAPSHOTS = "deleted_manifest_lists_count"
DELETED_DATA_FILES = "deleted_data_files_count"
REWRITTEN_MANIFESTS = "rewritten_manifests_count"
REWRITTEN_DATA_FILES = "rewritten_data_files_count"
ORPHAN_FILE = "orphan_file_location"

Progress = Callable[[str], None]


@dataclass
class TableReport:
    table: str
    branches_dropped: tuple[str, ...] = ()
    snapshots_expired: int = 0
    data_files_deleted: int = 0
    manifests_rewritten: int = 0
    data_files_compacted: int = 0
    orphan_files: tuple[str, ...] = ()

    def record(self, run_id: str, finished_at: dt.datetime) -> MaintenanceRecord:
        return MaintenanceRecord(
            run_id=run_id,
            table=self.table,
            finished_at=finished_at,
            expired_snapshots=self.snapshots_expired,
            deleted_data_files=self.data_files_deleted,
            deleted_orphan_files=len(self.orphan_files),
            rewritten_manifests=self.manifests_rewritten,
            compacted_data_files=self.data_files_compacted,
            dropped_branches=len(self.branches_dropped),
        )

    def line(self, *, dry_run: bool = False) -> str:
        if dry_run:
            return (
                f"{self.table}: would drop {len(self.branches_dropped)} failed-run branch(es)"
                f"{_names(self.branches_dropped)}, would delete {len(self.orphan_files)} orphan file(s)"
            )
        return (
            f"{self.table}: {self.snapshots_expired} snapshot(s) expired, {self.data_files_deleted} data "
            f"file(s) deleted, {len(self.orphan_files)} orphan file(s) deleted, "
            f"{self.manifests_rewritten} manifest(s) rewritten, {self.data_files_compacted} data file(s) "
            f"compacted, {len(self.branches_dropped)} failed-run branch(es) dropped"
            f"{_names(self.branches_dropped)}"
        )


def _names(names: tuple[str, ...]) -> str:
    return f" ({', '.join(names)})" if names else ""


def maintained_tables(spark: SparkSession, catalog: str) -> list[str]:
    """The gold tables that exist, then ``audit.check_results`` when it exists."""
    candidates = [*GOLD_TABLE_NAMES, CHECK_RESULTS_TABLE]
    return [t for t in candidates if spark.catalog.tableExists(f"{catalog}.{t}")]


def table_refs(spark: SparkSession, catalog: str, table: str) -> tuple[list[Ref], dict[str, str]]:
    """Every ref of ``table`` with its head's commit time, and the table's properties (where a
    branch's cut time is), read from one version of its metadata through Iceberg's Java API in the
    driver JVM: read apart, a branch cut in between would have a date and no ref, and its date
    would be taken for a gone branch's."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None  # a classic (not Connect) session always has its JVM
    spark3 = jvm.org.apache.iceberg.spark.Spark3Util
    iceberg = spark3.loadIcebergTable(spark._jsparkSession, f"{catalog}.{table}")
    refs = []
    for name, ref in iceberg.refs().items():
        millis = iceberg.snapshot(ref.snapshotId()).timestampMillis()
        kind = BRANCH if ref.isBranch() else TAG
        refs.append(Ref(str(name), kind, dt.datetime.fromtimestamp(millis / 1000, dt.UTC)))
    properties = {str(key): str(value) for key, value in iceberg.properties().items()}
    return dated_refs(refs, properties), properties


def _first(rows: list[Row], column: str) -> int:
    return int(rows[0][column]) if rows else 0


def maintain_table(
    spark: SparkSession,
    catalog: str,
    table: str,
    policy: MaintenancePolicy,
    now: dt.datetime,
    *,
    run_id: str = "",
    dry_run: bool = False,
) -> TableReport:
    """Maintain ``table``; unless a dry run, then record its report under ``run_id`` in the table
    property ``goldpipe.maintenance.last-report`` (``goldpipe.core.maintenance_report``), where the
    controller reads it. Table by table: a run that fails half-way has recorded the tables done."""
    report = TableReport(table)
    refs, properties = table_refs(spark, catalog, table)
    report.branches_dropped = stale_failed_branches(refs, now, policy.failed_branch_retention_days)
    if not dry_run:
        # Before the expiry: snapshots only these branches held expire in the same pass.
        for branch in report.branches_dropped:
            spark.sql(drop_branch_sql(catalog, table, branch))
        # Then the cut times of branches gone (published, or just dropped).
        gone = stale_branch_properties(properties, refs, report.branches_dropped)
        if gone:
            spark.sql(unset_properties_sql(catalog, table, gone))
    for call in procedures(table, policy, now, dry_run=dry_run):
        rows = spark.sql(call.sql(catalog)).collect()
        if call.name == EXPIRE_SNAPSHOTS:
            report.snapshots_expired = _first(rows, EXPIRED_SNAPSHOTS)
            report.data_files_deleted = _first(rows, DELETED_DATA_FILES)
        elif call.name == REWRITE_MANIFESTS:
            report.manifests_rewritten = _first(rows, REWRITTEN_MANIFESTS)
        elif call.name == REWRITE_DATA_FILES:
            report.data_files_compacted = _first(rows, REWRITTEN_DATA_FILES)
        elif call.name == REMOVE_ORPHAN_FILES:
            report.orphan_files = tuple(sorted(str(row[ORPHAN_FILE]) for row in rows))
    if not dry_run:
        # The real clock, not `now`: `now` only dates the policy's cut-offs.
        record = report.record(run_id, dt.datetime.now(dt.UTC))
        spark.sql(set_property_sql(catalog, table, REPORT_PROPERTY, record.to_json()))
    return report


def run_maintenance(
    spark: SparkSession,
    catalog: str,
    policy: MaintenancePolicy,
    now: dt.datetime,
    *,
    dry_run: bool = False,
    progress: Progress = print,
    run_id: str | None = None,
) -> list[TableReport]:
    """Maintain every table; one summary line per table through ``progress``. The run id its
    reports name: ``run_id``, else derived like a gold run's (on Kubernetes the SparkApplication's
    name and submission, which the controller derives from the application too)."""
    run_id = run_id or run_id_of(spark, None)
    reports = []
    tables = maintained_tables(spark, catalog)
    if not tables:
        progress(f"no gold table in catalog {catalog}: nothing to maintain")
    for table in tables:
        report = maintain_table(spark, catalog, table, policy, now, run_id=run_id, dry_run=dry_run)
        progress(report.line(dry_run=dry_run))
        if dry_run:
            for path in report.orphan_files:
                progress(f"  orphan: {path}")
        reports.append(report)
    return reports
