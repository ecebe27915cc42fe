"""The CLI's handling of bad input: usage errors with the valid values, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from goldpipe.cli.main import _register, cli, main


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


def test_auto_with_gold_up_to_date_never_starts_spark(gold_lake, monkeypatch, capsys):
    """Known from gold's metadata: the run ends before any JVM is started."""
    import datetime as dt

    import spark_apps.session
    from goldpipe.core.contract import JOB_NAMES
    from goldpipe.lakehouse.publish import publish_run

    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    gold_lake.write_run("r1", (yesterday,))  # a day without silver: committed, without rows
    publish_run(gold_lake.catalog, JOB_NAMES, "r1")

    def no_spark(*_args, **_kwargs):
        raise AssertionError("Spark was started")

    monkeypatch.setattr(spark_apps.session, "local_session", no_spark)
    monkeypatch.setenv("GOLDPIPE_HOME", str(gold_lake.root))
    timings = gold_lake.root / "timings.json"
    main(["run-local", "--date", "auto", "--timings", str(timings)])
    assert "gold is up to date: no day to process (Spark not started)" in capsys.readouterr().out
    assert set(__import__("json").loads(timings.read_text())["seconds"]) == {"total"}


def test_auto_with_a_day_due_goes_on_to_spark(gold_lake, monkeypatch):
    import datetime as dt

    import spark_apps.session
    from goldpipe.core.contract import JOB_NAMES
    from goldpipe.lakehouse.publish import publish_run

    two_days_ago = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    gold_lake.write_run("r1", (two_days_ago,))
    publish_run(gold_lake.catalog, JOB_NAMES, "r1")

    class SparkStartedError(Exception):
        pass

    def started(*_args, **_kwargs):
        raise SparkStartedError

    monkeypatch.setattr(spark_apps.session, "local_session", started)
    monkeypatch.setenv("GOLDPIPE_HOME", str(gold_lake.root))
    with pytest.raises(SparkStartedError):
        main(["run-local", "--date", "auto"])


def test_auto_resolved_from_metadata_is_handed_to_the_job(gold_lake, monkeypatch):
    """The Spark job takes run-local's answer (days and deferred days) instead of asking again."""
    import datetime as dt

    import goldpipe.cli.local
    import spark_apps.pipeline
    from goldpipe.core.contract import JOB_NAMES
    from goldpipe.core.dates import AutoDays
    from goldpipe.lakehouse.publish import publish_run

    today = dt.datetime.now(dt.UTC).date()
    gold_lake.write_run("r1", (today - dt.timedelta(days=5),))
    publish_run(gold_lake.catalog, JOB_NAMES, "r1")
    requests = []

    class RecordedError(Exception):
        pass

    def record(_spark, request, **_kwargs):
        requests.append(request)
        raise RecordedError

    monkeypatch.setattr(goldpipe.cli.local, "catalog_session", lambda *_a, **_k: object())
    monkeypatch.setattr(spark_apps.pipeline, "run", record)
    monkeypatch.setenv("GOLDPIPE_HOME", str(gold_lake.root))
    with pytest.raises(RecordedError):
        main(["run-local", "--date", "auto", "--max-catch-up-days", "3"])
    days = tuple(today - dt.timedelta(days=n) for n in (4, 3, 2))
    assert requests[0].resolved_auto == AutoDays(days, 1)
