"""goldpipe.lakehouse.gold_tables on a real embedded lakehouse (pyiceberg, no Spark)."""

from __future__ import annotations

from goldpipe.core.names import tag_name
from goldpipe.lakehouse import gold_tables
from goldpipe.lakehouse.publish import publish_run
from tests.goldpipe.conftest import GoldLake

JOB = "daily_sales_summary"


def test_watermark_of_a_table_without_main_is_none(gold_lake: GoldLake) -> None:
    gold_lake.write_run("r1", gold_lake.days, jobs=(JOB,))  # on its branch only: main has no snapshot
    assert gold_tables.watermark(gold_lake.table(JOB)) is None


def test_watermark_is_the_newest_published_day(gold_lake: GoldLake) -> None:
    gold_lake.write_run("r1", gold_lake.days[:2], jobs=(JOB,))
    publish_run(gold_lake.catalog, (JOB,), "r1")
    assert gold_tables.watermark(gold_lake.table(JOB)) == gold_lake.days[1]
    gold_lake.write_run("r2", gold_lake.days[2:], jobs=(JOB,))  # not published: not on main
    assert gold_tables.watermark(gold_lake.table(JOB)) == gold_lake.days[1]


def test_a_published_day_without_rows_counts_through_the_commit_history(gold_lake: GoldLake) -> None:
    # A clean day has no rejected rows: only the commit's summary says the day was done.
    newest = gold_lake.days[-1]
    gold_lake.write_run(
        "r1",
        gold_lake.days,
        jobs=("rejected_rows",),
        mutate=lambda _job, day, rows: rows.slice(0, 0) if day == newest else rows,
    )
    publish_run(gold_lake.catalog, ("rejected_rows",), "r1")
    table = gold_lake.table("rejected_rows")
    assert newest not in {r["event_date"] for r in table.scan().to_arrow().to_pylist()}
    assert gold_tables.watermark(table) == newest


def test_watermark_from_rows_when_the_history_is_gone(gold_lake: GoldLake) -> None:
    # Snapshot expiry removes old commits (and their summaries); the rows still tell the day.
    gold_lake.write_run("r1", gold_lake.days, jobs=(JOB,))
    publish_run(gold_lake.catalog, (JOB,), "r1")
    table = gold_lake.table(JOB)
    table.append(table.scan(limit=0).to_arrow())  # a commit without goldpipe's properties on main
    table = gold_lake.table(JOB)
    main = table.snapshot_by_name("main")
    assert main is not None
    older = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != main.snapshot_id]
    with table.manage_snapshots() as ms:  # the run's tag pins its snapshot: drop it first
        ms.remove_tag(tag_name("r1"))
    table = gold_lake.table(JOB)
    table.maintenance.expire_snapshots().by_ids(older).commit()
    table = gold_lake.table(JOB)
    assert [gold_tables.days_of(s) for s in gold_tables.history(table, "main")] == [frozenset()]
    assert gold_tables.watermark(table) == gold_lake.days[-1]
