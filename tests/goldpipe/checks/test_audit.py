"""Write-Audit-Publish on real Iceberg tables: good runs publish, broken ones never reach main."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pyiceberg.types import StringType

from goldpipe.checks import history
from goldpipe.checks.audit import audit_run, run_days
from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.names import DATE_PROPERTY, RUN_PROPERTY, branch_name, tag_name
from goldpipe.lakehouse import publish as wap
from goldpipe.lakehouse.publish import PublishConflictError, publish_table
from tests.goldpipe.conftest import NOW
from tests.support.checks import chart_checks
from tests.support.reference_run import reference_gold

CONFIG = chart_checks()


def audit(lake, run_id, now=NOW, config=CONFIG):
    return audit_run(lake.catalog, run_id=run_id, jobs=JOB_NAMES, config=config, now=now)


def failing(outcome):
    return {(r.table, r.name) for r in outcome.results if r.status != "pass"}


def test_a_good_run_passes_and_publishes(gold_lake):
    gold_lake.write_run("good", gold_lake.days)
    assert gold_lake.main_rows("daily_sales_summary") == []  # written, not yet visible
    outcome = audit(gold_lake, "good")
    assert outcome.verdict == "passed", [r for r in outcome.results if r.status != "pass"]
    assert outcome.published and outcome.days == gold_lake.days
    names = {r.name.split(":")[0] for r in outcome.results}
    assert names >= {
        "schema",
        "completeness",
        "uniqueness",
        "reconciliation",
        "invariant",
        "freshness",
        "volume",
        "drift",
    }
    assert [r["event_date"] for r in gold_lake.main_rows("daily_sales_summary")] == list(gold_lake.days)
    for job in JOB_NAMES:
        refs = gold_lake.catalog.load_table(GOLD_TABLES[job].identifier).metadata.refs
        assert tag_name("good") in refs and branch_name("good") not in refs
        assert refs["main"].snapshot_id == refs[tag_name("good")].snapshot_id


def wrong_total(job, day, rows):
    if job != "daily_sales_summary":
        return rows
    return rows.set_column(
        rows.schema.get_field_index("net_revenue"),
        "net_revenue",
        pc.add(rows.column("net_revenue"), pa.scalar(Decimal("1.00"), pa.decimal128(18, 2))),
    )


def duplicate_key(job, day, rows):
    return pa.concat_tables([rows, rows.slice(0, 1)]) if job == "product_performance_analytics" else rows


def missing_day(job, day, rows):
    return None if job == "daily_customer_analytics" and day.day == 19 else rows


@pytest.mark.parametrize(
    ("mutation", "expected_failure"),
    [
        (wrong_total, ("daily_sales_summary", "reconciliation:net_revenue")),
        (duplicate_key, ("product_performance_analytics", "uniqueness")),
        (missing_day, ("daily_customer_analytics", "completeness")),
    ],
    ids=["wrong-total", "duplicate-key", "missing-day"],
)
def test_a_corrupted_run_stays_unpublished(gold_lake, mutation, expected_failure):
    gold_lake.write_run("base", gold_lake.days[:1])
    assert audit(gold_lake, "base").published
    before = {job: gold_lake.main_rows(job) for job in JOB_NAMES}

    gold_lake.write_run("bad", gold_lake.days[1:], mutate=mutation)
    outcome = audit(gold_lake, "bad")
    assert outcome.verdict == "failed" and not outcome.published
    assert expected_failure in failing(outcome)
    # Readers of main still see exactly the previous data; the branch stays for debugging.
    assert {job: gold_lake.main_rows(job) for job in JOB_NAMES} == before
    table = gold_lake.catalog.load_table("gold.daily_sales_summary")
    assert branch_name("bad") in table.metadata.refs and tag_name("bad") not in table.metadata.refs


def test_schema_drift_blocks(gold_lake):
    gold_lake.write_run("r1", gold_lake.days[:1])
    table = gold_lake.catalog.load_table("gold.rejected_rows")
    with table.update_schema() as update:
        update.add_column("note", StringType())
    outcome = audit(gold_lake, "r1")
    assert ("rejected_rows", "schema") in failing(outcome) and not outcome.published


def test_stale_data_warns_but_publishes(gold_lake):
    gold_lake.write_run("old", gold_lake.days)
    later = NOW + dt.timedelta(days=5)
    outcome = audit(gold_lake, "old", now=later)
    assert outcome.verdict == "warning" and outcome.published
    assert ("daily_sales_summary", "freshness") in failing(outcome)


def test_freshness_can_be_made_blocking(gold_lake):
    config = chart_checks({"defaults": {"freshness": {"severity": "blocking"}}})
    gold_lake.write_run("old", gold_lake.days)
    outcome = audit(gold_lake, "old", now=NOW + dt.timedelta(days=5), config=config)
    assert outcome.verdict == "failed" and not outcome.published


def test_volume_anomaly_against_check_history_warns(gold_lake):
    # Five earlier days of history with ~40 orders/day, then a day with ten times the revenue.
    for i, day in enumerate(gold_lake.days):
        gold_lake.write_run(f"h{i}", (day,))
        assert audit(gold_lake, f"h{i}").published
    config = chart_checks({"defaults": {"volumeAnomaly": {"minHistoryDays": 2}}})

    def tenfold(job, day, rows):
        if job != "daily_sales_summary":
            return rows
        return rows.set_column(
            rows.schema.get_field_index("orders"), "orders", pc.multiply(rows.column("orders"), 10)
        )

    gold_lake.write_run("spike", gold_lake.days[-1:], mutate=tenfold)
    outcome = audit(gold_lake, "spike", config=config)
    volume = [r for r in outcome.results if r.name == "volume:orders"]
    assert volume and volume[0].status == "fail" and volume[0].severity == "warning"
    # Inflated orders no longer match silver either: that blocking check stops the publication.
    assert ("daily_sales_summary", "reconciliation:orders") in failing(outcome) and not outcome.published


def test_disabled_and_per_job_settings(gold_lake):
    config = chart_checks(
        {
            "jobs": {"rejected_rows": {"uniqueness": {"enabled": False}}},
            "defaults": {"volumeAnomaly": {"enabled": False}},
        },
        JOB_NAMES,
    )
    gold_lake.write_run("r", gold_lake.days[:1])
    outcome = audit(gold_lake, "r", config=config)
    assert not [r for r in outcome.results if r.name.startswith("volume")]
    assert not [r for r in outcome.results if r.table == "rejected_rows" and r.name == "uniqueness"]
    assert [r for r in outcome.results if r.table == "daily_sales_summary" and r.name == "uniqueness"]


def test_checks_disabled_publish_the_branch_unaudited_with_its_tag(gold_lake):
    """What docs/write-audit-publish.md says of `checks.enabled: false` (issue 22, finding 10): the job only wrote
    its branch; the same publish moves main, tags the run and drops the branch, unchecked."""
    gold_lake.write_run("unchecked", gold_lake.days[:1])
    outcome = audit(gold_lake, "unchecked", config=chart_checks({"enabled": False}))
    assert (outcome.verdict, outcome.published, outcome.results) == ("skipped", True, [])
    assert history.recorded_results(gold_lake.catalog, "unchecked") is None
    for job in JOB_NAMES:
        refs = gold_lake.catalog.load_table(GOLD_TABLES[job].identifier).metadata.refs
        assert branch_name("unchecked") not in refs
        assert refs["main"].snapshot_id == refs[tag_name("unchecked")].snapshot_id


def test_freshness_of_a_day_without_rows_is_what_auto_thinks_of_it(gold_lake):
    """A clean day has no rejected_rows: auto takes it as done (goldpipe's commit of the day), and
    the freshness check warned "stale" on every later run; both now read the same watermark
    (issue 22, finding 3)."""
    from goldpipe.checks.runner import CheckTarget, run_checks
    from goldpipe.lakehouse.gold_tables import watermark

    last = gold_lake.days[-1]
    gold_lake.write_run(
        "clean", gold_lake.days, jobs=("rejected_rows",),
        mutate=lambda _job, day, rows: rows.slice(0, 0) if day == last else rows,
    )  # fmt: skip
    assert audit_run(
        gold_lake.catalog, run_id="clean", jobs=("rejected_rows",), config=CONFIG, now=NOW
    ).published
    table = gold_lake.table("rejected_rows")
    assert last not in {r["event_date"] for r in gold_lake.main_rows("rejected_rows")}
    assert watermark(table) == last  # what auto continues after
    results = run_checks(
        gold_lake.catalog,
        CheckTarget(jobs=("rejected_rows",), days=(), ref="main"),
        CONFIG,
        now=NOW,
        history=lambda *_: {},
    )
    [fresh] = [r for r in results if r.name == "freshness"]
    assert (fresh.status, fresh.message) == ("pass", "fresh")
    assert f"newest day {last}" in fresh.observed


def test_results_are_recorded_once_and_read_back(gold_lake):
    gold_lake.write_run("r", gold_lake.days[:1])
    first = audit(gold_lake, "r")
    again = audit(gold_lake, "r")
    assert first.rechecked and not again.rechecked
    assert {(r.table, r.name, r.status) for r in again.results} == {
        (r.table, r.name, r.status) for r in first.results
    }
    rows = history.results_table(gold_lake.catalog).scan().to_arrow().to_pylist()
    assert len(rows) == len(first.results)
    assert {r["run_id"] for r in rows} == {"r"}


def test_publish_refuses_when_main_gained_one_of_the_runs_days_since_the_branch_was_cut(gold_lake):
    gold_lake.write_run("slow", gold_lake.days[:2])
    gold_lake.write_run("fast", gold_lake.days[1:3])
    assert audit(gold_lake, "fast").published
    before = gold_lake.main_rows("daily_sales_summary")
    with pytest.raises(
        PublishConflictError,
        match=f"moved since branch audit_slow was cut and now has day\\(s\\) {gold_lake.days[1]} ",
    ):
        audit(gold_lake, "slow")
    assert gold_lake.main_rows("daily_sales_summary") == before
    assert "audit_slow" in gold_lake.table("daily_sales_summary").metadata.refs  # kept


def test_runs_of_other_days_cut_from_the_same_main_are_both_published(gold_lake):
    # A backfill with --parallel: both branches are cut from the same main.
    gold_lake.write_run("day-0", gold_lake.days[:1])
    gold_lake.write_run("day-1", gold_lake.days[1:2])
    assert audit(gold_lake, "day-1").published
    second = audit(gold_lake, "day-0")
    assert second.published and {p.outcome for p in second.publishes} == {"rebased"}
    expected = sorted(gold_lake.days[:2])
    for job in JOB_NAMES:
        table = gold_lake.table(job)
        assert {"goldpipe-run-day-0", "goldpipe-run-day-1"} <= set(table.metadata.refs), job
        days = sorted({r["event_date"] for r in gold_lake.main_rows(job)})
        assert days == expected or (job == "rejected_rows" and set(days) <= set(expected)), job
    # What was checked on the branch is what main now has for that day.
    reference = reference_gold(gold_lake.catalog, gold_lake.days[0])["daily_sales_summary"].to_pylist()
    [row] = [r for r in gold_lake.main_rows("daily_sales_summary") if r["event_date"] == gold_lake.days[0]]
    assert {k: v for k, v in row.items() if k != "computed_at"} == {
        k: v for k, v in reference[0].items() if k != "computed_at"
    }
    # The run's days are still found through its tag (the rebased commits carry its id).
    assert run_days(gold_lake.catalog, ("daily_sales_summary",), "day-0") == gold_lake.days[:1]


def test_a_rebase_interrupted_before_its_tag_is_finished_once(gold_lake, monkeypatch):
    gold_lake.write_run("late", gold_lake.days[:2], jobs=("daily_sales_summary",))
    gold_lake.write_run("early", gold_lake.days[2:], jobs=("daily_sales_summary",))
    publish_table(gold_lake.table("daily_sales_summary"), "early")
    table = gold_lake.table("daily_sales_summary")

    def killed(**_: object) -> None:
        raise KeyboardInterrupt("killed between the rebase commit and the tag")

    # The tag's commit (tag, branch dropped, cut property removed) is staged by ManageSnapshots.
    monkeypatch.setattr("pyiceberg.table.update.snapshot.ManageSnapshots", killed)
    with pytest.raises(KeyboardInterrupt):
        publish_table(table, "late")
    monkeypatch.undo()  # the next attempt is a new process
    assert tag_name("late") not in gold_lake.table("daily_sales_summary").metadata.refs
    result = publish_table(gold_lake.table("daily_sales_summary"), "late")
    assert result.outcome == "rebased"
    table = gold_lake.table("daily_sales_summary")
    rebased = [
        s
        for s in table.snapshots()
        if s.summary.get(RUN_PROPERTY) == "late" and s.summary.get(wap.REBASED_FROM_PROPERTY)
    ]
    # One commit carries both of the run's days onto main.
    assert [s.summary[DATE_PROPERTY] for s in rebased] == [
        ",".join(d.isoformat() for d in gold_lake.days[:2])
    ]
    assert table.metadata.refs[tag_name("late")].snapshot_id == table.metadata.refs["main"].snapshot_id
    assert [r["event_date"] for r in gold_lake.main_rows("daily_sales_summary")] == list(gold_lake.days)


def test_a_run_that_wrote_nothing_is_recorded_and_passes(gold_lake):
    gold_lake.table("daily_sales_summary")  # exists, but the run (gold up to date) wrote no day
    outcome = audit_run(
        gold_lake.catalog, run_id="idle", jobs=("daily_sales_summary",), config=CONFIG, now=NOW
    )
    assert (outcome.days, outcome.verdict, outcome.published, outcome.results) == ((), "passed", False, [])
    [marker] = history.recorded_results(gold_lake.catalog, "idle")
    assert marker.name == "no-new-day"
    assert not audit_run(
        gold_lake.catalog, run_id="idle", jobs=("daily_sales_summary",), config=CONFIG, now=NOW
    ).rechecked
