"""End to end: generated silver -> the Spark jobs -> gold, equal to DuckDB's independent reading.

Two implementations of docs/data-contract.md written apart (PySpark in spark_apps/, plain SQL in
goldpipe/checks/reference/) must agree on every row and column of every gold table, on data that
carries all the dirt the contract describes. The real entrypoint is also run through
spark-submit, the way the Spark Operator starts it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from goldpipe.checks.reference.gold import gold_arrow_schema
from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.dates import DateSpec
from goldpipe.core.names import branch_name
from goldpipe.lakehouse.publish import publish_run
from goldpipe.seed import seed_silver
from spark_apps.pipeline import RunRequest, run
from tests.conftest import new_lakehouse
from tests.spark_apps.lake_rows import gold_rows
from tests.support.reference_run import reference_gold

pytestmark = [pytest.mark.spark, pytest.mark.slow]

LAST_DAY = dt.date(2026, 11, 20)
DAYS = (LAST_DAY - dt.timedelta(days=1), LAST_DAY)


@pytest.fixture(scope="module")
def seeded(spark, tmp_path_factory):
    lake = new_lakehouse(tmp_path_factory.mktemp("e2e"), spark)
    catalog = lake.pyiceberg()
    seed_silver(
        catalog,
        days=len(DAYS),
        end_date=LAST_DAY,
        orders_per_day=400,
        seed=7,
        replace=False,
        progress=lambda _: None,
    )
    request = RunRequest(jobs=JOB_NAMES, dates=DateSpec(DAYS), run_id="e2e", catalog=lake.name)
    run(spark, request, progress=lambda _: None)
    publish_run(catalog, JOB_NAMES, "e2e")
    return lake


def _expected(catalog, day: dt.date) -> dict[str, pa.Table]:
    return reference_gold(catalog, day)


def _normalise(rows: list[dict], table: str) -> list[tuple]:
    contract = GOLD_TABLES[table]
    columns = [c for c in contract.column_names if c != "computed_at"]
    return sorted((tuple(r[c] for c in columns) for r in rows), key=lambda t: tuple(map(str, t)))


@pytest.mark.parametrize("table", JOB_NAMES)
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_spark_gold_equals_the_independent_sql_reading(seeded, table, day):
    catalog = seeded.pyiceberg()
    actual = [r for r in gold_rows(catalog, table) if r["event_date"] == day]
    expected = _expected(catalog, day)[table].to_pylist()
    assert actual, f"{table} has no rows for {day}: the generated data should exercise it"
    assert _normalise(actual, table) == _normalise(expected, table)


def test_generated_days_exercise_every_rejection_reason(seeded):
    from goldpipe.core.contract import REJECTION_REASONS

    rows = gold_rows(seeded.pyiceberg(), "rejected_rows")
    for day in DAYS:
        seen = {(r["source_table"], r["reason"]) for r in rows if r["event_date"] == day}
        assert seen == {(t, r) for t, reasons in REJECTION_REASONS.items() for r in reasons}


def test_gold_types_match_the_contract_arrow_types(seeded):
    catalog = seeded.pyiceberg()
    for table in JOB_NAMES:
        arrow = catalog.load_table(f"gold.{table}").scan(limit=1).to_arrow()
        expected = gold_arrow_schema(table)
        for field in expected:
            actual_type = arrow.schema.field(field.name).type
            if pa.types.is_large_string(actual_type):
                actual_type = pa.string()
            assert actual_type == field.type, (table, field.name)


def test_contract_invariants_hold(seeded):
    catalog = seeded.pyiceberg()
    for day in DAYS:
        rows = {t: [r for r in gold_rows(catalog, t) if r["event_date"] == day] for t in JOB_NAMES}
        [summary] = rows["daily_sales_summary"]
        products, customers = rows["product_performance_analytics"], rows["daily_customer_analytics"]
        assert sum(r["units_sold"] for r in products) == summary["units_sold"]
        assert sum(r["net_revenue"] for r in products) == summary["net_revenue"]
        assert sum(r["net_revenue"] for r in customers) == summary["net_revenue"]
        assert sum(r["orders"] for r in customers) == summary["orders"]
        assert sorted(r["revenue_rank"] for r in products) == list(range(1, len(products) + 1))
        assert summary["orders"] > 0 and summary["cancelled_orders"] > 0


def test_the_real_entrypoint_through_spark_submit(spark, tmp_path):
    """spark-submit spark_apps/main.py, as the operator runs it: exit 0, then exit 1 on bad silver."""
    from goldpipe.lakehouse.config import spark_catalog_conf
    from goldpipe.lakehouse.jars import local_jars

    lake = new_lakehouse(tmp_path / "submit")
    seed_silver(
        lake.pyiceberg(),
        days=1,
        end_date=LAST_DAY,
        orders_per_day=50,
        seed=1,
        replace=False,
        progress=lambda _: None,
    )
    spark_submit = Path(sys.executable).with_name("spark-submit")
    conf = {
        **spark_catalog_conf(lake.config),
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
    }
    base = [str(spark_submit), "--master", "local[1]", "--jars", ",".join(map(str, local_jars()))]
    for key, value in conf.items():
        base += ["--conf", f"{key}={value}"]
    main = str(Path(__file__).resolve().parents[2] / "spark_apps" / "main.py")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    # Run from elsewhere: the entrypoint must find its packages by itself, as in the image.
    ok = subprocess.run(
        [
            *base,
            main,
            "--jobs",
            "daily_sales_summary",
            "--date",
            LAST_DAY.isoformat(),
            "--catalog",
            lake.name,
            "--run-id",
            "submit-1",
        ],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ok.returncode == 0, ok.stderr[-3000:]
    # spark-submit merges the Python driver's stderr into its stdout.
    assert "daily_sales_summary: 1 day(s), 1 row(s) written" in ok.stdout
    # The job writes its audit branch only; publishing is the auditor's.
    branch = branch_name("submit-1")
    assert len(gold_rows(lake.pyiceberg(), "daily_sales_summary", ref=branch)) == 1
    assert gold_rows(lake.pyiceberg(), "daily_sales_summary") == []

    lake.pyiceberg().drop_table("silver.order_items")
    failed = subprocess.run(
        [*base, main, "--date", LAST_DAY.isoformat(), "--catalog", lake.name],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert failed.returncode == 1
    assert "silver table silver.order_items does not exist" in failed.stdout
    assert "Traceback" not in failed.stdout

    usage = subprocess.run(
        [sys.executable, main, "--date", "yesterday"], check=False, capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 2
    assert "expected YYYY-MM-DD" in usage.stderr
