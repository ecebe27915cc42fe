"""Gold tables: creation, the run's branch, day writes, and the watermark of ``auto``.

A run never writes ``main``. It writes every day of every job to a branch named after the run;
``goldpipe.checks.audit`` audits and publishes the branch (also when checks are off), so readers
never see a half-written day or a partially-run set of jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from goldpipe.core import dates
from goldpipe.core.contract import GOLD_NAMESPACE, GOLD_TABLES
from goldpipe.core.names import (
    DATE_PROPERTY,
    RUN_PROPERTY,
    branch_created_property,
    days_property,
    property_days,
)
from spark_apps.silver import spark_type

log = logging.getLogger(__name__)

# Cuts of a run's branch tried before a run fails on commits of other runs (create_branch).
BRANCH_CUT_ATTEMPTS = 5
_COMMIT_CONFLICT = "org.apache.iceberg.exceptions.CommitFailedException"


def table_id(catalog: str, table: str) -> str:
    return f"{catalog}.{GOLD_NAMESPACE}.{table}"


def create_table_ddl(catalog: str, table: str) -> str:
    contract = GOLD_TABLES[table]
    columns = ",\n  ".join(
        f"{c.name} {spark_type(c.type)}{' NOT NULL' if c.required else ''}" for c in contract.columns
    )
    partition = ", ".join(column for column, _ in contract.partitioning)
    return (
        f"CREATE TABLE IF NOT EXISTS {table_id(catalog, table)} (\n  {columns}\n) USING iceberg\n"
        f"PARTITIONED BY ({partition})\nTBLPROPERTIES ('format-version' = '2')"
    )


def ensure_tables(spark: SparkSession, catalog: str, tables: Iterable[str]) -> None:
    """Create the gold namespace and ``tables`` where missing.

    Asked first, because a statement is planned and run as a query even when it does nothing
    (0.4 s of a cold driver for five); the statements keep ``IF NOT EXISTS`` for a run that
    creates a table at the same moment.
    """
    if not spark.catalog.databaseExists(f"{catalog}.{GOLD_NAMESPACE}"):
        spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{GOLD_NAMESPACE}")
    for table in tables:
        if not spark.catalog.tableExists(table_id(catalog, table)):
            spark.sql(create_table_ddl(catalog, table))


def _main_ancestry(spark: SparkSession, catalog: str, table: str) -> list[dict[str, str | None]]:
    """Snapshots reachable from ``main``, newest first, with their goldpipe summary properties."""
    tid = table_id(catalog, table)
    main = spark.sql(f"SELECT snapshot_id FROM {tid}.refs WHERE name = 'main'").collect()
    if not main:
        return []
    rows = spark.sql(
        f"SELECT snapshot_id, parent_id, summary['{DATE_PROPERTY}'] AS event_date FROM {tid}.snapshots"
    ).collect()
    by_id = {r["snapshot_id"]: r for r in rows}
    ancestry: list[dict[str, str | None]] = []
    current = main[0]["snapshot_id"]
    while current in by_id:
        row = by_id[current]
        ancestry.append({"snapshot_id": str(current), "event_date": row["event_date"]})
        current = row["parent_id"]
    return ancestry


def watermark(spark: SparkSession, catalog: str, table: str) -> dt.date | None:
    """``goldpipe.core.dates.watermark`` of ``table`` on ``main``: its rows' newest day and the days
    of goldpipe's commits."""
    newest_row = spark.table(table_id(catalog, table)).agg(F.max("event_date")).collect()[0][0]
    committed = [day for s in _main_ancestry(spark, catalog, table) for day in property_days(s["event_date"])]
    return dates.watermark([newest_row, *committed])


def create_branch(
    spark: SparkSession, catalog: str, table: str, branch: str, *, now: dt.datetime | None = None
) -> None:
    """Cut (or re-cut, for a retried run) the run's branch from ``main``'s current state.

    Kept for a while after a failed run, for debugging; a published run drops it. The cut and
    the table property ``goldpipe.branch-created.<branch>`` (``now``, the clock's by default: the
    same clock Iceberg dates snapshots by) are one Iceberg commit, so table maintenance never sees
    the branch without its date: a branch cut from a ``main`` that has not moved for a week has a
    week-old head, and maintenance judges it by the later of the two. The branch has no
    ``RETAIN`` age of its own for the same reason: Iceberg's expiry would drop it by its head's
    age; goldpipe's maintenance drops failed-run branches instead (goldpipe.core.maintenance).

    A re-cut removes the branch and creates it afresh in that commit: Iceberg's replace needs a
    snapshot of ``main`` to point at, and a gold table no run has published yet has none (the
    new branch then starts with an empty snapshot of its own).

    Iceberg does not retry a branch update whose table moved meanwhile ("Table metadata refresh
    is required"): runs started side by side (a parallel backfill) commit to the same gold table
    at the same moment. Each attempt loads the table afresh (the catalog does not cache tables),
    so cutting again is safe; anything else, or the last attempt's failure, is raised.
    """
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="milliseconds")
    for attempt in range(1, BRANCH_CUT_ATTEMPTS + 1):
        try:
            iceberg = _iceberg_table(spark, catalog, table)
            cut = iceberg.newTransaction()
            if iceberg.refs().get(branch) is not None:
                cut.manageSnapshots().removeBranch(branch).commit()
            cut.manageSnapshots().createBranch(branch).commit()
            cut.updateProperties().set(branch_created_property(branch), created).commit()
            cut.commitTransaction()
            return
        except Exception as exc:  # py4j's error: the JVM's exception class tells a conflict
            if attempt == BRANCH_CUT_ATTEMPTS or _java_class(exc) != _COMMIT_CONFLICT:
                raise
            log.info("branch %s of %s: a concurrent commit moved the table; cutting again", branch, table)
            time.sleep(0.1 * attempt)


def _iceberg_table(spark: SparkSession, catalog: str, table: str) -> Any:
    """The table through Iceberg's Java API in the driver JVM, loaded afresh."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None  # a classic (not Connect) session always has its JVM
    spark3 = jvm.org.apache.iceberg.spark.Spark3Util
    return spark3.loadIcebergTable(spark._jsparkSession, table_id(catalog, table))


def _java_class(exc: BaseException) -> str | None:
    java = getattr(exc, "java_exception", None)
    return None if java is None else str(java.getClass().getName())


def write_days(
    rows: DataFrame, *, catalog: str, table: str, branch: str, days: tuple[dt.date, ...], run_id: str
) -> None:
    """Replace exactly ``days`` on the branch in one commit: also days without rows (their old
    rows go away)."""
    (
        rows.writeTo(f"{table_id(catalog, table)}.`branch_{branch}`")
        .option(f"snapshot-property.{DATE_PROPERTY}", days_property(days))
        .option(f"snapshot-property.{RUN_PROPERTY}", run_id)
        .overwrite(F.col("event_date").isin(*days))
    )


def branch_head_added_records(spark: SparkSession, catalog: str, table: str, branch: str) -> int:
    """Rows added by the latest commit on ``branch``, from its snapshot summary.

    Through Iceberg's table API in the driver JVM rather than a query on the ``snapshots``
    metadata table: a query is planned, code-generated and run as a Spark job, which costs a
    cold driver up to a second per table for one number.
    """
    jvm = spark.sparkContext._jvm
    assert jvm is not None  # a classic (not Connect) session always has its JVM
    iceberg = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(
        spark._jsparkSession, table_id(catalog, table)
    )
    snapshot = iceberg.snapshot(branch)
    if snapshot is None:
        return 0
    added = snapshot.summary().get("added-records")
    return int(added) if added else 0
