"""The CLI against the real API server: `goldpipe backfill`, `goldpipe status`. (`goldpipe run
--wait` is the node tier's: tests/node/test_03_scaling.py, with real pods.)"""

from __future__ import annotations

from pyiceberg.expressions import In

from goldpipe.core.contract import GOLD_TABLES
from goldpipe.core.names import RUN_PROPERTY
from goldpipe.lakehouse.publish import REBASED_FROM_PROPERTY
from tests.e2e.conftest import E2E, LABEL_CHECKS
from tests.e2e.deployment import NAMESPACE, one_off_run


def test_goldpipe_backfill_runs_days_in_parallel_and_publishes_every_one(e2e: E2E) -> None:
    job, first, last = "daily_sales_summary", e2e.days[1], e2e.days[2]
    span = ("--from", first.isoformat(), "--to", last.isoformat(), "-n", NAMESPACE)
    proc = e2e.deployment.goldpipe("backfill", job, *span, "--parallel", "2", "--poll-seconds", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"backfill {job} {first}..{last}: 2 completed (0 already were), 0 failed" in proc.stdout
    names = [one_off_run(job, day) for day in (first, last)]
    for name in names:
        app = e2e.wait_checks_label(name)
        assert app["metadata"]["labels"][LABEL_CHECKS] in ("passed", "warning"), e2e.deployment.events(name)
        assert e2e.has_tag(job, name)
    # Both branches were cut from the same main: the run published second was rebased onto the
    # first one's, and main has both days.
    table = e2e.catalog().load_table(GOLD_TABLES[job].identifier)
    rebased = {s.summary.get(RUN_PROPERTY) for s in table.snapshots() if s.summary.get(REBASED_FROM_PROPERTY)}
    assert len(rebased & {e2e.run_id(name) for name in names}) == 1
    days = {
        r["event_date"]
        for r in table.scan(row_filter=In(term="event_date", literals=[first.isoformat(), last.isoformat()]))
        .to_arrow()
        .to_pylist()
    }
    assert days == {first, last}
    # Resumable: nothing left to do.
    again = e2e.deployment.goldpipe("backfill", job, *span, "--poll-seconds", "1")
    assert again.returncode == 0, again.stderr
    assert "2 completed (2 already were), 0 failed" in again.stdout


def test_goldpipe_status_lists_the_runs_with_their_check_results(e2e: E2E) -> None:
    proc = e2e.deployment.goldpipe("status", "-n", NAMESPACE, "--limit", "50")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["run", "schedule", "job", "date", "state", "start", "duration", "checks"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    # test_03's run whose output failed a blocking check: the Spark run COMPLETED, its checks failed.
    name = one_off_run("daily_sales_summary", e2e.days[0])
    assert rows[name][1:5] == ["one-off", "daily_sales_summary", e2e.days[0].isoformat(), "COMPLETED"]
    assert rows[name][-1] == "failed"
    failed = one_off_run("daily_customer_analytics", e2e.days[0])
    assert rows[failed][4] == "FAILED" and rows[failed][-1] == "failed"
    backfilled = one_off_run("daily_sales_summary", e2e.days[1])
    assert rows[backfilled][1] == "backfill"
