"""Write-Audit-Publish end to end with the real Spark jobs, as `goldpipe run-local` does it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from goldpipe.checks.audit import audit_run
from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.dates import DateSpec
from goldpipe.core.names import branch_name
from goldpipe.seed import seed_silver
from spark_apps.pipeline import RunRequest, run
from tests.spark_apps.lake_rows import gold_rows
from tests.support.checks import chart_checks

pytestmark = pytest.mark.spark

LAST = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 21, 3, tzinfo=dt.UTC)
CONFIG = chart_checks()


def test_corrupted_spark_output_never_reaches_main_and_a_good_run_publishes(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_silver(
        catalog, days=2, end_date=LAST, orders_per_day=60, seed=5, replace=False, progress=lambda _: None
    )
    first, second = LAST - dt.timedelta(days=1), LAST

    run(
        spark,
        RunRequest(JOB_NAMES, DateSpec((first,)), "good", lakehouse.name),
        progress=lambda _: None,
    )
    assert gold_rows(catalog, "daily_sales_summary") == []  # Spark never publishes
    outcome = audit_run(catalog, run_id="good", jobs=JOB_NAMES, config=CONFIG, now=NOW)
    # Only the freshness warning (the newest day is the day before yesterday): published.
    assert outcome.published and {r.name for r in outcome.failures} <= {"freshness"}
    published = {t: gold_rows(catalog, t) for t in JOB_NAMES}
    assert [r["event_date"] for r in published["daily_sales_summary"]] == [first]

    # The next run's output is corrupted on its branch after Spark wrote it: a duplicated product.
    run(
        spark,
        RunRequest(JOB_NAMES, DateSpec((second,)), "bad", lakehouse.name),
        progress=lambda _: None,
    )
    branch = branch_name("bad")
    spark.sql(
        f"INSERT INTO {lakehouse.name}.gold.product_performance_analytics.`branch_{branch}` "
        f"SELECT * FROM {lakehouse.name}.gold.product_performance_analytics.`branch_{branch}` "
        f"WHERE event_date = DATE'{second}' LIMIT 1"
    )
    outcome = audit_run(catalog, run_id="bad", jobs=JOB_NAMES, config=CONFIG, now=NOW)
    assert outcome.verdict == "failed" and not outcome.published
    assert ("product_performance_analytics", "uniqueness") in {(r.table, r.name) for r in outcome.failures}
    assert {t: gold_rows(catalog, t) for t in JOB_NAMES} == published  # readers of main: unchanged

    # A clean rerun of the day passes and publishes on top of the first run.
    run(
        spark,
        RunRequest(JOB_NAMES, DateSpec((second,)), "rerun", lakehouse.name),
        progress=lambda _: None,
    )
    outcome = audit_run(catalog, run_id="rerun", jobs=JOB_NAMES, config=CONFIG, now=NOW)
    assert outcome.published
    assert [r["event_date"] for r in gold_rows(catalog, "daily_sales_summary")] == [first, second]


def test_run_local_shows_the_checks_and_the_publication(tmp_path):
    """The CLI path of `make demo`: seed, run-local, check table, published to main."""
    env = {**os.environ, "GOLDPIPE_HOME": str(tmp_path / "home")}
    goldpipe = [sys.executable, "-m", "goldpipe.cli.main"]
    seeded = subprocess.run(
        [*goldpipe, "seed", "--days", "1", "--end-date", LAST.isoformat(), "--orders-per-day", "30"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    result = subprocess.run(
        [*goldpipe, "run-local", "--date", LAST.isoformat(), "--timings", str(tmp_path / "timings.json")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "checks passed" in result.stdout or "checks warning" in result.stdout
    assert "published to main" in result.stdout
    assert "reconciliation" in result.stdout and "uniqueness" in result.stdout
    assert "[cds]" not in result.stdout + result.stderr  # the JVM's class-sharing log stays off
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert timings["seconds"]["Spark session (JVM, Iceberg runtime)"] > 0
    assert timings["seconds"]["total"] >= sum(
        v for k, v in timings["seconds"].items() if k.startswith(("Spark session", "audit and publish"))
    )
    assert timings["driver_peak_rss_mib"] > 100  # the JVM's, not this Python process's
    check = subprocess.run(
        [*goldpipe, "check", "daily_sales_summary", "--date", LAST.isoformat()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "daily_sales_summary 2026-11-20: checks" in check.stdout


def test_two_first_runs_on_new_gold_tables_are_both_published(spark, lakehouse):
    """A first backfill with --parallel: each run cuts its branch of a table without a snapshot,
    which gives each branch an empty root snapshot of its own (no common ancestor with main)."""
    catalog = lakehouse.pyiceberg()
    seed_silver(
        catalog, days=2, end_date=LAST, orders_per_day=30, seed=6, replace=False, progress=lambda _: None
    )
    jobs = ("daily_sales_summary",)
    first, second = LAST - dt.timedelta(days=1), LAST
    for run_id, day in (("one", first), ("two", second)):
        run(spark, RunRequest(jobs, DateSpec((day,)), run_id, lakehouse.name), progress=print)
    outcomes = [audit_run(catalog, run_id=r, jobs=jobs, config=CONFIG, now=NOW) for r in ("two", "one")]
    assert [o.published for o in outcomes] == [True, True]
    assert [p.outcome for o in outcomes for p in o.publishes] == ["published", "rebased"]
    assert [r["event_date"] for r in gold_rows(catalog, "daily_sales_summary")] == [first, second]


def test_a_reader_that_stops_early_does_not_stop_the_publish(tmp_path):
    """`goldpipe run-local ... | true` (or a `grep -q` that matched early): stdout is closed
    before the first line; the run is published all the same, because the audit and the
    publish come before anything is printed."""
    env = {**os.environ, "GOLDPIPE_HOME": str(tmp_path / "home")}
    goldpipe = [sys.executable, "-m", "goldpipe.cli.main"]
    seed = [*goldpipe, "seed", "--days", "1", "--end-date", LAST.isoformat(), "--orders-per-day", "20"]
    subprocess.run(seed, cwd=tmp_path, env=env, check=True, capture_output=True, timeout=120)
    command = [*goldpipe, "run-local", "--date", LAST.isoformat(), "--run-id", "early"]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader is gone before the first line
    process.wait(timeout=600)
    from goldpipe.core.names import tag_name
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded

    catalog = load_catalog(resolve_embedded(CatalogConfig(), tmp_path / "home"))
    for job in JOB_NAMES:
        assert tag_name("early") in catalog.load_table(f"gold.{job}").metadata.refs, job


def test_native_execution_writes_the_same_gold_rows_as_spark(tmp_path):
    """Comet (`GOLDPIPE_SPARK_NATIVE=on`, forced on a small day) and Spark alone on the same
    seeded silver: every gold row equal, every column but computed_at; the audit publishes both."""
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
    from goldpipe.lakehouse.jars import native_jar

    assert native_jar() is not None, "the native jar is fetched by scripts/fetch-jars.sh --all (make setup)"
    goldpipe = [sys.executable, "-m", "goldpipe.cli.main"]
    gold = {}
    for setting in ("off", "on"):
        home = tmp_path / setting
        env = {**os.environ, "GOLDPIPE_HOME": str(home), "GOLDPIPE_SPARK_NATIVE": setting}
        for command in (
            ["seed", "--days", "1", "--end-date", LAST.isoformat(), "--orders-per-day", "300"],
            ["run-local", "--date", LAST.isoformat()],
        ):
            done = subprocess.run(
                [*goldpipe, *command],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert done.returncode == 0, done.stderr[-3000:]
        assert ("native execution by Comet" in done.stderr) is (setting == "on")
        assert "published to main" in done.stdout
        catalog = load_catalog(resolve_embedded(CatalogConfig(), home))
        gold[setting] = {
            table: sorted(
                catalog.load_table(f"gold.{table}")
                .scan()
                .to_arrow()
                .drop_columns(["computed_at"])
                .to_pylist(),
                key=repr,
            )
            for table in JOB_NAMES
        }
    assert all(gold["on"][table] for table in ("daily_sales_summary", "daily_customer_analytics"))
    assert gold["on"] == gold["off"]
