"""Gold tables on a real Iceberg catalog: a run's branch cut while other runs commit."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from pyiceberg.exceptions import CommitFailedException

from goldpipe.core.contract import GOLD_NAMESPACE
from spark_apps import gold

pytestmark = pytest.mark.spark

TABLE = "daily_sales_summary"


def test_branches_are_cut_while_other_runs_commit_to_the_table(spark: Any, lakehouse: Any) -> None:
    """A parallel backfill's runs cut their branches from the same table at the same moment.

    Found on the end-to-end tier: the second of two runs started together failed with Iceberg's
    "Table metadata refresh is required". Here another writer commits to the table five times a
    second (the runs of a backfill do it seconds apart) while this session cuts branch after
    branch, the first on a table without any snapshot yet.
    """
    catalog = lakehouse.name
    gold.ensure_tables(spark, catalog, [TABLE])
    table = lakehouse.pyiceberg().load_table(f"{GOLD_NAMESPACE}.{TABLE}")
    stop, commits = threading.Event(), [0]

    def other_runs() -> None:
        while not stop.is_set():
            try:
                with table.transaction() as tx:
                    tx.set_properties({"goldpipe.test.tick": str(commits[0])})
            except CommitFailedException:  # a branch cut got in first: as another run would, again
                table.refresh()
                continue
            table.refresh()
            commits[0] += 1
            stop.wait(0.2)  # five commits a second: the runs of a backfill commit seconds apart

    writer = threading.Thread(target=other_runs, daemon=True)
    writer.start()
    branches: list[str] = []
    try:
        # Cuts take tens of milliseconds: cut until the other writer has committed ten times.
        while commits[0] < 10 and len(branches) < 500:
            branches.append(f"run-{len(branches)}")
            gold.create_branch(spark, catalog, TABLE, branches[-1])
    finally:
        stop.set()
        writer.join(timeout=30)
    table.refresh()
    assert commits[0] >= 10, "the other writer must have committed meanwhile"
    assert set(branches) <= set(table.metadata.refs)


def test_a_cut_is_dated_in_its_own_commit_and_a_re_cut_works_before_main_has_a_snapshot(
    spark: Any, lakehouse: Any
) -> None:
    """A retried run cuts its branch again; on a table no run has published yet, Iceberg's own
    replace failed ("main has no snapshot"). Each cut is one commit carrying its time."""
    catalog = lakehouse.name
    gold.ensure_tables(spark, catalog, [TABLE])
    table = lakehouse.pyiceberg().load_table(f"{GOLD_NAMESPACE}.{TABLE}")
    branch, key = "audit_retried", "goldpipe.branch-created.audit_retried"
    first, second = dt.datetime(2026, 11, 1, 2, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, 3, tzinfo=dt.UTC)
    for cut in (first, second):
        commits = len(table.refresh().metadata.metadata_log)
        gold.create_branch(spark, catalog, TABLE, branch, now=cut)
        table.refresh()
        assert len(table.metadata.metadata_log) == commits + 1
        assert dt.datetime.fromisoformat(table.properties[key]) == cut
        assert table.metadata.refs[branch].max_ref_age_ms is None
    assert table.metadata.current_snapshot_id is None  # main still has nothing
    rows = spark.sql(
        "SELECT DATE'2026-11-01' AS event_date, 1L AS orders, 0L AS cancelled_orders, 1L AS customers, "
        "1L AS units_sold, CAST(1 AS DECIMAL(18,2)) AS gross_revenue, CAST(0 AS DECIMAL(18,2)) AS "
        "discount_total, CAST(1 AS DECIMAL(18,2)) AS net_revenue, CAST(1 AS DECIMAL(18,2)) AS "
        "avg_order_value, 'toys' AS top_category, current_timestamp() AS computed_at"
    )
    gold.write_days(
        rows, catalog=catalog, table=TABLE, branch=branch, days=(dt.date(2026, 11, 1),), run_id="r"
    )
    assert gold.branch_head_added_records(spark, catalog, TABLE, branch) == 1
