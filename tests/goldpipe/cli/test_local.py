"""The CLI's handling of bad input: usage errors with the valid values, no traceback."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import goldpipe.cli.local_run
import spark_apps.pipeline
import spark_apps.session
from goldpipe.cli.main import _register, cli, main
from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.dates import AutoDays
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.lakehouse.publish import publish_run
from goldpipe.seed import seed_silver
from spark_apps.pipeline import RunRequest
from tests.goldpipe.conftest import GoldLake


@pytest.fixture(scope="module")
def runner():
    _register()
    return CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run-local", "--date", "someday"], "expected YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD"),
        (["run-local", "--date", "auto", "--jobs", "sales"], "valid jobs: daily_sales_summary"),
        (["run-local", "--date", "auto", "--max-catch-up-days", "0"], "0 is not in the range x>=1"),
        (["run-local"], "Missing option '--date'"),
        (["show", "gold.nope"], "unknown table 'gold.nope'"),
    ],
)
def test_usage_errors(runner, args, message):
    result = runner.invoke(cli, args, catch_exceptions=False, standalone_mode=True)
    assert result.exit_code == 2
    assert message in result.output


def test_show_of_a_table_that_does_not_exist_yet(tmp_path, monkeypatch, capsys):
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "home"))
    load_catalog(resolve_embedded(CatalogConfig(), tmp_path / "home"), create=True)
    with pytest.raises(SystemExit) as exit_info:
        main(["show", "daily_sales_summary"])
    assert exit_info.value.code == 1
    assert "table gold.daily_sales_summary does not exist yet" in capsys.readouterr().err


def test_missing_silver_is_reported_without_traceback(tmp_path):
    """A real run-local on an empty lakehouse: exit 1, the missing tables named in one line from
    metadata (no Spark started), gold untouched."""
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded

    load_catalog(resolve_embedded(CatalogConfig(), tmp_path / "home"), create=True)
    result = subprocess.run(
        [sys.executable, "-m", "goldpipe.cli.main", "run-local", "--date", "2026-11-20"],
        cwd=tmp_path,
        env={**__import__("os").environ, "GOLDPIPE_HOME": str(tmp_path / "home")},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: silver table(s) silver.orders, ") and "starting Spark" not in line


TODAY = dt.datetime.now(dt.UTC).date()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def recent_lake(tmp_path, monkeypatch) -> GoldLake:
    """Silver of the six days up to yesterday, gold empty; GOLDPIPE_HOME points at it."""
    catalog = load_catalog(resolve_embedded(CatalogConfig(), tmp_path / "lake"), create=True)
    seed_silver(catalog, days=6, end_date=ago(1), orders_per_day=20, seed=3, replace=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "lake"))
    return GoldLake(tmp_path / "lake", catalog, tuple(ago(d) for d in range(6, 0, -1)))


class SparkStartedError(Exception):
    pass


def no_spark(monkeypatch) -> None:
    def started(*_args, **_kwargs):
        raise SparkStartedError

    monkeypatch.setattr(spark_apps.session, "local_session", started)


def handed_to_the_job(monkeypatch, args) -> RunRequest:
    """The request run-local hands to the Spark job (which is not started)."""
    requests = []

    def record(_spark, request, **_kwargs):
        requests.append(request)
        raise SparkStartedError

    session = SimpleNamespace(sparkContext=SimpleNamespace(_gateway=SimpleNamespace(proc=None)))
    monkeypatch.setattr(goldpipe.cli.local_run, "catalog_session", lambda *_a, **_k: session)
    monkeypatch.setattr(spark_apps.pipeline, "run", record)
    with pytest.raises(SparkStartedError):
        main(args)
    return requests[0]


def test_auto_with_gold_up_to_date_never_starts_spark(recent_lake, monkeypatch, capsys):
    """Known from gold's metadata: the run ends before any JVM is started."""
    recent_lake.write_run("r1", (ago(1),))
    publish_run(recent_lake.catalog, JOB_NAMES, "r1")
    no_spark(monkeypatch)
    timings = recent_lake.root / "timings.json"
    main(["run-local", "--date", "auto", "--timings", str(timings)])
    assert "gold is up to date: it has every day up to yesterday that silver has (Spark not started)" in (
        capsys.readouterr().out
    )
    assert set(json.loads(timings.read_text())["seconds"]) == {"total"}


def test_auto_with_a_day_due_goes_on_to_spark(recent_lake, monkeypatch):
    recent_lake.write_run("r1", (ago(2),))
    publish_run(recent_lake.catalog, JOB_NAMES, "r1")
    no_spark(monkeypatch)
    with pytest.raises(SparkStartedError):
        main(["run-local", "--date", "auto"])


def test_auto_resolved_from_metadata_is_handed_to_the_job(recent_lake, monkeypatch):
    """The Spark job takes run-local's answer (days and deferred days) instead of asking again."""
    recent_lake.write_run("r1", (ago(5),))
    publish_run(recent_lake.catalog, JOB_NAMES, "r1")
    request = handed_to_the_job(monkeypatch, ["run-local", "--date", "auto", "--max-catch-up-days", "3"])
    assert request.resolved_auto == AutoDays((ago(4), ago(3), ago(2)), 1)


def test_the_catch_up_limit_defaults_to_the_values(recent_lake, monkeypatch):
    """Issue 21, finding 1: without --max-catch-up-days the limit is the values'
    `defaults.maxCatchUpDays` (the chart's 7), not a number of the CLI's own."""
    recent_lake.write_run("r1", (ago(5),))
    publish_run(recent_lake.catalog, JOB_NAMES, "r1")
    values = recent_lake.root / "v.yaml"
    values.write_text("defaults:\n  maxCatchUpDays: 2\n")
    request = handed_to_the_job(monkeypatch, ["run-local", "-f", str(values), "--date", "auto"])
    assert (request.max_catch_up_days, request.resolved_auto) == (2, AutoDays((ago(4), ago(3)), 2))


# --- issue 22, finding 3: dates accepted too freely ---------------------------------------------


def test_auto_on_empty_gold_takes_the_last_days_silver_has_not_days_up_to_yesterday(gold_lake, monkeypatch):
    """Silver ends 2026-11-20, long before yesterday: auto takes its last days, no day after."""
    monkeypatch.chdir(gold_lake.root.parent)
    monkeypatch.setenv("GOLDPIPE_HOME", str(gold_lake.root))
    request = handed_to_the_job(monkeypatch, ["run-local", "--date", "auto", "--max-catch-up-days", "2"])
    assert request.resolved_auto == AutoDays(gold_lake.days[-2:], 0)


def test_auto_never_runs_a_day_silver_does_not_have(gold_lake, monkeypatch, capsys):
    """Gold has silver's last day: auto is up to date, it writes no zero-row day after it."""
    gold_lake.write_run("r1", gold_lake.days)
    publish_run(gold_lake.catalog, JOB_NAMES, "r1")
    monkeypatch.chdir(gold_lake.root.parent)
    monkeypatch.setenv("GOLDPIPE_HOME", str(gold_lake.root))
    no_spark(monkeypatch)
    main(["run-local", "--date", "auto"])
    assert "gold is up to date" in capsys.readouterr().out


@pytest.mark.parametrize("when", ["today", "tomorrow", "2999-01-01"])
def test_a_day_that_has_not_ended_is_refused(tmp_path, monkeypatch, capsys, when):
    """It published a 0-row future day, after which auto said "up to date" until that day."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "lake"))
    day = {"today": TODAY.isoformat(), "tomorrow": ago(-1).isoformat()}.get(when, when)
    no_spark(monkeypatch)
    # A range that reaches it names its first day that has not ended: today.
    specs = [(day, day)] + ([(f"{ago(1)}..{day}", TODAY.isoformat())] if when != "2999-01-01" else [])
    for spec, first in specs:
        with pytest.raises(SystemExit) as exit_info:
            main(["run-local", "--date", spec])
        assert exit_info.value.code == 2
        [line] = capsys.readouterr().err.strip().splitlines()
        assert f"Invalid value for --date: {first} has not ended yet (today is {TODAY} UTC)" in line
        assert "--allow-unfinished-days" in line
    assert not (tmp_path / "lake").exists()  # refused before anything is touched


def test_an_unfinished_day_runs_when_asked(recent_lake, monkeypatch):
    request = handed_to_the_job(
        monkeypatch, ["run-local", "--date", TODAY.isoformat(), "--allow-unfinished-days"]
    )
    assert request.dates.days == (TODAY,)
