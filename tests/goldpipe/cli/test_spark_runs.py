"""goldpipe run, backfill and status, through the CLI against FakeKube (a fake API)."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from goldpipe.cli.main import _register, cli
from goldpipe.deploy.vocabulary import SPARK_APPS
from tests.fakes.kube import FakeKube
from tests.goldpipe.cli.kube_cli import ProgressingKube, invoke


@pytest.fixture(scope="module", autouse=True)
def registered():
    _register()


def test_run_creates_a_one_off_application_and_waits():
    kube = ProgressingKube()
    result = invoke(
        ["run", "daily_sales_summary", "--date", "2026-11-20", "--wait", "--poll-seconds", "0"], kube
    )
    assert result.exit_code == 0, result.output
    assert "goldpipe-daily-sales-summary-20261120: COMPLETED" in result.output
    app = kube.objects[SPARK_APPS]["goldpipe-daily-sales-summary-20261120"]
    assert app["spec"]["arguments"][:4] == ["--jobs", "daily_sales_summary", "--date", "2026-11-20"]


def test_run_wait_warns_once_when_no_operator_picks_the_run_up(monkeypatch):
    import goldpipe.cli.spark_runs

    class IgnoredThenPicked(ProgressingKube):
        looks = 0

        def get_object(self, plural, name):
            self.looks += 1
            if self.looks < 4:  # three looks without a status: no operator has seen it yet
                return FakeKube.get_object(self, plural, name)
            return super().get_object(plural, name)

    monkeypatch.setattr(goldpipe.cli.spark_runs, "PICKUP_WARNING_SECONDS", 0.0)
    result = CliRunner().invoke(
        cli,
        ["run", "rejected_rows", "--date", "2026-11-20", "--wait", "--poll-seconds", "0"],
        obj={"values_file": None, "kube_factory": lambda ns, ctx: IgnoredThenPicked()},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("is a Spark Operator watching namespace analytics?") == 1


def test_run_refuses_to_overwrite_an_existing_run_unless_replace():
    kube = ProgressingKube(fail={"goldpipe-rejected-rows-20261120"})
    assert (
        invoke(
            ["run", "rejected_rows", "--date", "2026-11-20", "--wait", "--poll-seconds", "0"], kube
        ).exit_code
        == 1
    )
    again = invoke(["run", "rejected_rows", "--date", "2026-11-20"], kube)
    assert again.exit_code == 1 and "already exists (FAILED)" in again.output
    kube.fail = set()
    assert invoke(["run", "rejected_rows", "--date", "2026-11-20", "--replace"], kube).exit_code == 0
    assert kube.writes.count(("delete", SPARK_APPS, "goldpipe-rejected-rows-20261120")) == 1


def test_run_unknown_job_lists_the_valid_ones():
    result = invoke(["run", "sales", "--date", "2026-11-20"], ProgressingKube())
    assert result.exit_code == 2 and "valid jobs: daily_sales_summary" in result.output


def test_backfill_bounds_parallelism_and_resumes():
    kube = ProgressingKube(fail={"goldpipe-daily-sales-summary-20261103"})
    args = [
        "backfill",
        "daily_sales_summary",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-05",
        "--parallel",
        "2",
        "--poll-seconds",
        "0",
    ]
    first = invoke(args, kube)
    assert first.exit_code == 1
    assert "4 completed (0 already were), 1 failed" in first.output
    assert kube.max_running <= 2
    creates = [w for w in kube.writes if w[0] == "create"]
    assert len(creates) == 5
    # Resume: the four completed days are skipped, the failed one runs again.
    kube.fail = set()
    second = invoke(args, kube)
    assert second.exit_code == 0, second.output
    assert "5 completed (4 already were), 0 failed" in second.output
    assert [w for w in kube.writes if w[0] == "create"][5:] == [
        ("create", SPARK_APPS, "goldpipe-daily-sales-summary-20261103")
    ]


def test_backfill_rejects_a_reversed_range():
    result = invoke(
        ["backfill", "rejected_rows", "--from", "2026-11-05", "--to", "2026-11-01"], ProgressingKube()
    )
    assert result.exit_code == 2 and "is before" in result.output


def test_status_lists_recent_runs():
    kube = ProgressingKube()
    invoke(["run", "daily_sales_summary", "--date", "2026-11-20"], kube)
    name = "goldpipe-daily-sales-summary-20261120"
    kube.set_state(
        SPARK_APPS,
        name,
        "COMPLETED",
        lastSubmissionAttemptTime="2026-11-21T02:00:00Z",
        terminationTime="2026-11-21T02:03:30Z",
    )
    kube.objects[SPARK_APPS][name]["metadata"]["labels"]["goldpipe.io/checks"] = "passed"
    result = invoke(["status"], kube)
    assert result.exit_code == 0, result.output
    line = next(li for li in result.output.splitlines() if li.startswith(name))
    assert line.split() == [
        name,
        "one-off",
        "daily_sales_summary",
        "2026-11-20",
        "COMPLETED",
        "2026-11-21",
        "02:00",
        "3m30s",
        "passed",
    ]
    assert "no runs" in invoke(["status", "--release", "other"], kube).output


def test_status_lists_table_maintenance_runs_too():
    """Issue 21, finding 7: maintenance runs were left out of `goldpipe status`."""
    from goldpipe.deploy.render.maintenance import render_maintenance
    from goldpipe.deploy.vocabulary import LABEL_MAINTENANCE_RESULT
    from tests.support.pipeline_settings import PRODUCTION, settings_for

    kube = ProgressingKube()
    invoke(["run", "daily_sales_summary", "--date", "2026-11-20"], kube)
    [schedule] = render_maintenance(settings_for(PRODUCTION))
    name = "goldpipe-maintenance-1795582800000000000"
    # The Spark Operator gives a scheduled run its ScheduledSparkApplication's labels.
    kube.objects[SPARK_APPS][name] = {
        "metadata": {
            "name": name,
            "labels": {**schedule["metadata"]["labels"], LABEL_MAINTENANCE_RESULT: "completed"},
        }
    }
    kube.set_state(
        SPARK_APPS,
        name,
        "COMPLETED",
        lastSubmissionAttemptTime="2026-11-21T05:00:00Z",
        terminationTime="2026-11-21T05:01:10Z",
    )
    result = invoke(["status"], kube)
    assert result.exit_code == 0, result.output
    lines = [li.split() for li in result.output.splitlines()]
    assert [
        name,
        "maintenance",
        "table-maintenance",
        "-",
        "COMPLETED",
        "2026-11-21",
        "05:00",
        "1m10s",
        "completed",  # the result the controller posted: a maintenance run has no checks
    ] in lines
    assert any(li[0] == "goldpipe-daily-sales-summary-20261120" for li in lines)


def test_status_computes_duration_of_a_running_run():
    from goldpipe.deploy.apps import SparkApp, run_row

    app = {
        "metadata": {"name": "x", "labels": {}},
        "status": {
            "applicationState": {"state": "RUNNING"},
            "lastSubmissionAttemptTime": "2026-11-21T02:00:00Z",
        },
    }
    row = run_row(SparkApp(app), dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC))
    assert row.duration == dt.timedelta(hours=1) and row.state == "RUNNING"


@pytest.mark.parametrize(
    "args",
    [
        ["run", "daily_sales_summary", "--date", "{today}"],
        ["backfill", "daily_sales_summary", "--from", "2026-11-20", "--to", "{tomorrow}"],
    ],
)
def test_a_day_that_has_not_ended_is_refused_on_the_cluster_too(args):
    """Issue 22, finding 3: a published unfinished day stops `auto` from ever redoing it."""
    today = dt.datetime.now(dt.UTC).date()
    values = {"today": today.isoformat(), "tomorrow": (today + dt.timedelta(days=1)).isoformat()}
    kube = FakeKube("analytics")
    refused = invoke([a.format(**values) for a in args], kube)
    assert refused.exit_code == 2
    assert f"{today} has not ended yet" in refused.output and "--allow-unfinished-days" in refused.output
    assert not kube.objects.get(SPARK_APPS)
    allowed = invoke(
        [a.format(**values) for a in args] + ["--allow-unfinished-days", "--poll-seconds", "0"],
        ProgressingKube(),
    )
    assert allowed.exit_code == 0, allowed.output
