"""Table maintenance on real Iceberg tables: published runs, a retried day, failed-run branches
old and young, orphan files old and young, and the audit's history.

Age is faked, never slept for: the expiry and the branch rule get a ``now`` between the old and
the young branch's commits plus the retention. Iceberg's remove_orphan_files refuses an
``older_than`` less than a day before the real clock, so orphan files get old modification times
instead and that pass runs at the real ``now``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from goldpipe.checks.history import record_results, results_table
from goldpipe.checks.model import passed
from goldpipe.core.contract import GOLD_NAMESPACE
from goldpipe.core.maintenance import MaintenancePolicy
from goldpipe.core.maintenance_report import REPORT_PROPERTY, parse_record
from goldpipe.core.names import branch_name, tag_name
from goldpipe.lakehouse.publish import publish_table
from spark_apps import gold
from spark_apps.table_maintenance import run_maintenance

pytestmark = pytest.mark.spark

TABLE = "daily_sales_summary"
DAY1, DAY2, DAY3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)
RETENTION = 7
POLICY = MaintenancePolicy(
    snapshot_max_age_days=RETENTION,
    retain_last_snapshots=1,
    remove_orphan_files=False,
    rewrite_manifests=True,
    failed_branch_retention_days=RETENTION,
)


def _rows(spark: Any, day: dt.date, orders: int) -> Any:
    money = "CAST(1 AS DECIMAL(18,2))"
    return spark.sql(
        f"SELECT DATE'{day}' AS event_date, CAST({orders} AS BIGINT) AS orders, 0L AS cancelled_orders, "
        f"1L AS customers, 1L AS units_sold, {money} AS gross_revenue, CAST(0 AS DECIMAL(18,2)) AS "
        f"discount_total, {money} AS net_revenue, {money} AS avg_order_value, 'toys' AS top_category, "
        "current_timestamp() AS computed_at"
    )


def _write(spark: Any, catalog: str, run_id: str, *days: tuple[dt.date, int], cut: bool = True) -> None:
    if cut:
        gold.create_branch(spark, catalog, TABLE, branch_name(run_id))
    for day, orders in days:
        gold.write_days(
            _rows(spark, day, orders),
            catalog=catalog,
            table=TABLE,
            branch=branch_name(run_id),
            days=(day,),
            run_id=run_id,
        )


def _files(table: Any, snapshot_id: int) -> set[str]:
    return {urlparse(t.file.file_path).path for t in table.scan(snapshot_id=snapshot_id).plan_files()}


def _main_rows(spark: Any, catalog: str) -> list[tuple[Any, ...]]:
    rows = spark.sql(f"SELECT event_date, orders FROM {catalog}.gold.{TABLE} ORDER BY event_date").collect()
    return [tuple(r) for r in rows]


@pytest.fixture
def history(spark: Any, lakehouse: Any) -> dict[str, Any]:
    """Three published runs (the second wrote its day twice), an old and a young failed branch,
    and two commits of check results."""
    catalog, pyiceberg = lakehouse.name, lakehouse.pyiceberg()
    gold.ensure_tables(spark, catalog, [TABLE])
    table = pyiceberg.load_table((GOLD_NAMESPACE, TABLE))
    _write(spark, catalog, "r1", (DAY1, 10))
    publish_table(table, "r1")
    _write(spark, catalog, "r2", (DAY2, 20))
    table.refresh()
    retried = table.metadata.refs[branch_name("r2")].snapshot_id  # replaced by the retry below
    _write(spark, catalog, "r2", (DAY2, 21), cut=False)
    publish_table(table, "r2")
    _write(spark, catalog, "r3", (DAY1, 11))
    publish_table(table, "r3")
    _write(spark, catalog, "failed_old", (DAY3, 30))
    _write(spark, catalog, "failed_young", (DAY3, 31))
    for run in ("r1", "r2"):
        result = passed("schema", TABLE, "blocking", "ok", "ok", "fine", DAY1)
        record_results(
            pyiceberg,
            run,
            [result],
            application=run,
            jobs_by_table={TABLE: TABLE},
            checked_at=dt.datetime.now(dt.UTC),
        )
    table.refresh()
    refs = table.metadata.refs
    heads = {name: table.metadata.snapshot_by_id(ref.snapshot_id) for name, ref in refs.items()}
    old, young = heads[branch_name("failed_old")], heads[branch_name("failed_young")]
    assert young.timestamp_ms > old.timestamp_ms
    # The old branch is past the retention, the young one not yet.
    mid = (old.timestamp_ms + young.timestamp_ms) / 2 / 1000
    now = dt.datetime.fromtimestamp(mid, dt.UTC) + dt.timedelta(days=RETENTION)
    return {
        "table": table,
        "retried": retried,
        "refs": {n: r.snapshot_id for n, r in refs.items()},
        "now": now,
    }


def test_maintenance_expires_history_drops_old_failed_branches_and_keeps_what_refs_hold(
    spark: Any, lakehouse: Any, history: dict[str, Any]
) -> None:
    catalog, table, refs = lakehouse.name, history["table"], history["refs"]
    kept_refs = {"main", tag_name("r1"), tag_name("r2"), tag_name("r3"), branch_name("failed_young")}
    held = set().union(*(_files(table, refs[name]) for name in kept_refs))
    doomed = (_files(table, history["retried"]) | _files(table, refs[branch_name("failed_old")])) - held
    assert doomed  # the retried day's first file, the failed run's file
    rows_before = _main_rows(spark, catalog)
    audit = results_table(lakehouse.pyiceberg())
    audit_rows_before = audit.scan().to_arrow().num_rows
    lines: list[str] = []
    started = dt.datetime.now(dt.UTC)

    reports = run_maintenance(spark, catalog, POLICY, history["now"], progress=lines.append, run_id="maint-1")

    table.refresh()
    by_table = {r.table: r for r in reports}
    assert set(by_table) == {f"gold.{TABLE}", "audit.check_results"}
    report = by_table[f"gold.{TABLE}"]
    assert report.branches_dropped == (branch_name("failed_old"),)
    # Iceberg's count of deleted data files is its own (it may count a file once per cleanup
    # strategy); what matters is that the files are gone, checked below.
    assert report.snapshots_expired >= 2 and report.data_files_deleted >= 1
    assert set(table.metadata.refs) == kept_refs  # main, every tag, the young branch
    for name in kept_refs - {"main"}:
        assert table.metadata.refs[name].snapshot_id == refs[name]
    live = {s.snapshot_id for s in table.metadata.snapshots}
    assert history["retried"] not in live and refs[branch_name("failed_old")] not in live
    assert not any(Path(f).exists() for f in doomed)
    assert all(Path(f).exists() for f in held)
    # main: same rows from the same data files (rewrite_manifests made a new snapshot of them).
    assert _main_rows(spark, catalog) == rows_before == [(DAY1, 11), (DAY2, 21)]
    assert _files(table, table.metadata.refs["main"].snapshot_id) == _files(table, refs["main"])
    assert report.manifests_rewritten >= 1
    assert audit.refresh().scan().to_arrow().num_rows == audit_rows_before == 2
    assert any("failed-run branch(es) dropped (audit_failed_old)" in line for line in lines)
    # Each table's report, where the controller reads it without Spark.
    for name, maintained in ((f"gold.{TABLE}", table), ("audit.check_results", audit.refresh())):
        record = parse_record(maintained.properties.get(REPORT_PROPERTY))
        assert record == by_table[name].record("maint-1", record.finished_at)
        assert started <= record.finished_at <= dt.datetime.now(dt.UTC)
    assert (
        record.dropped_branches == 0 and by_table[f"gold.{TABLE}"].record("r", started).dropped_branches == 1
    )


def test_orphan_files_older_than_the_min_age_go_and_younger_ones_stay(
    spark: Any, lakehouse: Any, history: dict[str, Any]
) -> None:
    catalog, table = lakehouse.name, history["table"]
    data = Path(urlparse(table.location()).path) / "data"
    now = dt.datetime.now(dt.UTC)
    old, young = data / "orphan-old.parquet", data / "orphan-young.parquet"
    for path, age in ((old, dt.timedelta(days=10)), (young, dt.timedelta(hours=1))):
        path.write_bytes(b"not referenced by any snapshot")
        stamp = (now - age).timestamp()
        os.utime(path, (stamp, stamp))
    rows_before = _main_rows(spark, catalog)
    policy = MaintenancePolicy(orphan_file_min_age_days=3, failed_branch_retention_days=RETENTION)
    lines: list[str] = []

    [dry, _] = run_maintenance(spark, catalog, policy, now, dry_run=True, progress=lines.append)
    assert [Path(urlparse(p).path) for p in dry.orphan_files] == [old] and old.exists()
    assert f"  orphan: {dry.orphan_files[0]}" in lines
    assert REPORT_PROPERTY not in table.refresh().properties  # a dry run changes nothing

    [report, _] = run_maintenance(spark, catalog, policy, now, progress=lambda _: None)
    assert len(report.orphan_files) == 1 and not old.exists() and young.exists()
    assert report.branches_dropped == ()  # both failed branches are seconds old on the real clock
    assert _main_rows(spark, catalog) == rows_before


def test_a_run_cut_before_a_compaction_is_still_published(spark: Any, lakehouse: Any) -> None:
    """Compaction commits `replace` snapshots (same rows, other files) on main: a run whose branch
    was cut before is rebased onto them, not refused as if someone else had written data."""
    catalog, pyiceberg = lakehouse.name, lakehouse.pyiceberg()
    gold.ensure_tables(spark, catalog, [TABLE])
    table = pyiceberg.load_table((GOLD_NAMESPACE, TABLE))
    _write(spark, catalog, "r1", (DAY1, 10))
    publish_table(table, "r1")
    _write(spark, catalog, "r2", (DAY2, 20))  # in flight while maintenance compacts main
    before = _files(table.refresh(), table.metadata.refs["main"].snapshot_id)
    compact = MaintenancePolicy(compaction=True, compaction_min_input_files=2, remove_orphan_files=False)
    [report] = run_maintenance(spark, catalog, compact, dt.datetime.now(dt.UTC), progress=lambda _: None)
    # rewrite-all is not goldpipe's option: force a replace commit of the day's single file here.
    spark.sql(
        f"CALL {catalog}.system.rewrite_data_files(table => 'gold.{TABLE}', options => map('rewrite-all', 'true'))"
    )
    assert _files(table.refresh(), table.metadata.refs["main"].snapshot_id) != before
    assert publish_table(table, "r2").outcome == "rebased"
    assert _main_rows(spark, catalog) == [(DAY1, 10), (DAY2, 20)]
    assert report.data_files_compacted == 0  # one file per day: nothing for min-input-files 2


def test_a_branch_cut_from_a_main_8_days_old_just_before_maintenance_is_kept(
    spark: Any, lakehouse: Any
) -> None:
    """Issue 21, finding 7: main has not moved for 8 days and a run cuts its branch a minute before
    maintenance runs. The branch's head is main's, 8 days old; its cut time keeps it, and the run
    still publishes afterwards. A failed run's branch cut by an earlier goldpipe (no cut time) is
    still judged, and dropped, by its head."""
    catalog, pyiceberg = lakehouse.name, lakehouse.pyiceberg()
    gold.ensure_tables(spark, catalog, [TABLE])
    table = pyiceberg.load_table((GOLD_NAMESPACE, TABLE))
    _write(spark, catalog, "r1", (DAY1, 10))
    publish_table(table, "r1")
    main_head = table.refresh().metadata.snapshot_by_id(table.metadata.refs["main"].snapshot_id)
    assert main_head is not None
    with table.manage_snapshots() as ms:
        ms.create_branch(main_head.snapshot_id, branch_name("undated"))
    now = dt.datetime.fromtimestamp(main_head.timestamp_ms / 1000, dt.UTC) + dt.timedelta(days=8)
    gold.create_branch(spark, catalog, TABLE, branch_name("r2"), now=now - dt.timedelta(minutes=1))
    just_cut = table.refresh().metadata.refs[branch_name("r2")]
    assert just_cut.snapshot_id == main_head.snapshot_id  # its head is 8 days old at `now`
    assert just_cut.max_ref_age_ms is None  # nor does Iceberg's expiry drop it by that age
    lines: list[str] = []

    [report] = run_maintenance(spark, catalog, POLICY, now, progress=lines.append)

    assert report.branches_dropped == (branch_name("undated"),)
    table.refresh()
    assert set(table.metadata.refs) == {"main", tag_name("r1"), branch_name("r2")}
    # The cut time of r1's branch (published, gone) is removed; r2's stays.
    assert {k for k in table.properties if k.startswith("goldpipe.branch-created.")} == {
        f"goldpipe.branch-created.{branch_name('r2')}"
    }
    _write(spark, catalog, "r2", (DAY2, 20), cut=False)
    assert publish_table(table.refresh(), "r2").outcome == "published"
    assert _main_rows(spark, catalog) == [(DAY1, 10), (DAY2, 20)]
