"""Careless input and a hostile machine: one `error:` line, exit 1 (2 for usage), no traceback,
nothing written. One test per case of issue 8's findings 5-7 and 10."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.seed import seed_silver
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[3]


def goldpipe(
    *args: str, home: Path | str, cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GOLDPIPE_HOME": str(home), "GOLDPIPE_CHART_DIR": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "goldpipe.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def one_error_line(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("error: ")
    return line


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    home = tmp_path / "lake"
    catalog = load_catalog(resolve_embedded(CatalogConfig(), home), create=True)
    seed_silver(catalog, days=1, end_date=dt.date(2026, 11, 27), orders_per_day=20, seed=1, replace=False)
    return home


# --- finding 6: reading commands never create a lakehouse -------------------------------------


def test_show_on_a_missing_home_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "no" / "such"
    line = one_error_line(goldpipe("show", "daily_sales_summary", home=home, cwd=tmp_path))
    assert f"no lakehouse at {home}" in line and "goldpipe seed" in line
    assert not (tmp_path / "no").exists()


def test_a_zero_byte_catalog_is_not_taken_for_a_new_one(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "catalog.db").write_bytes(b"")
    for args in (("show", "daily_sales_summary"), ("seed", "--days", "1")):
        line = one_error_line(goldpipe(*args, home=tmp_path / "lake", cwd=tmp_path))
        assert "catalog.db is empty (0 bytes)" in line
    assert (tmp_path / "lake" / "catalog.db").stat().st_size == 0


# --- finding 5: the machine's problems are one line ------------------------------------------


def test_a_damaged_catalog_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "lake").mkdir()
    (tmp_path / "lake" / "catalog.db").write_text("not a database at all, " * 100)
    line = one_error_line(goldpipe("show", "daily_sales_summary", home=tmp_path / "lake", cwd=tmp_path))
    assert "damaged or no SQLite database" in line


def test_a_locked_catalog_is_one_line(seeded: Path, tmp_path: Path) -> None:
    holder = sqlite3.connect(seeded / "catalog.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        line = one_error_line(goldpipe("show", "silver.orders", home=seeded, cwd=tmp_path))
    finally:
        holder.close()
    assert "locked by another process" in line


@pytest.mark.parametrize(
    ("home", "message"),
    [
        ("a-file", "is not a directory"),
        ("/dev/null", "is not a directory"),
        ("/proc/goldpipe-cannot-be-made", "cannot create GOLDPIPE_HOME"),
    ],
)
def test_an_unusable_home_is_one_line(tmp_path: Path, home: str, message: str) -> None:
    (tmp_path / "a-file").write_text("x")
    path = tmp_path / home if not home.startswith("/") else Path(home)
    line = one_error_line(goldpipe("seed", "--days", "1", home=path, cwd=tmp_path))
    assert message in line


def test_a_postgresql_catalog_without_its_driver_or_server_is_one_line(tmp_path: Path) -> None:
    import importlib.util

    values = tmp_path / "values.yaml"
    values.write_text("catalog:\n  uri: jdbc:postgresql://127.0.0.1:1/lake\n")
    line = one_error_line(
        goldpipe("-f", str(values), "show", "daily_sales_summary", home=tmp_path, cwd=tmp_path)
    )
    if importlib.util.find_spec("psycopg2") is None:
        assert "pyiceberg[sql-postgres]" in line
    else:  # with the driver, nothing listens on port 1
        assert "the catalog database failed" in line


def test_a_rest_catalog_nobody_serves_is_one_line(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("catalog:\n  type: rest\n  uri: http://127.0.0.1:1\n")
    line = one_error_line(
        goldpipe("-f", str(values), "show", "daily_sales_summary", home=tmp_path, cwd=tmp_path)
    )
    assert "cannot reach the REST catalog" in line


def test_object_store_and_rest_server_failures_are_explained() -> None:
    from pyiceberg.exceptions import ServerError, UnauthorizedError

    from goldpipe.lakehouse.catalog import environment_error

    denied = OSError(
        "When reading information for key 'wh/m.json' in bucket 'lake': AWS Error ACCESS_DENIED "
        "during HeadObject operation: No response body."
    )
    assert environment_error(denied) == (
        f"the object store failed: {denied} (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"
    )
    assert "GOLDPIPE_CATALOG_TOKEN" in str(environment_error(UnauthorizedError("401")))
    assert environment_error(ServerError("boom")) == "the REST catalog failed: boom"
    assert environment_error(OSError("disk full")) is None  # not the object store's: a traceback


# --- finding 7: values and arguments are checked like `helm install` checks them -------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("checks: yes\n", "checks: must be of type object"),
        (
            "checks:\n  defaults:\n    freshness:\n      allowedLagDays: abc\n",
            "allowedLagDays: must be of type integer",
        ),
        ("checks:\n  defaults:\n    volumeAnomaly:\n      maxDeviation: -1\n", "maxDeviation"),
        (
            "checks:\n  defaults:\n    volumeAnomaly:\n      seasonality: weekly\n",
            "volumeAnomaly/seasonality: must be one of: none, day_of_week",
        ),
        (
            "checks:\n  defaults:\n    distributionDrift:\n      tolerance: 0\n",
            "tolerance: must be more than 0",
        ),
        (
            "checks:\n  jobs:\n    daily_sales_summary:\n      distributionDrift:\n        minHistoryWeeks: 6\n",
            "distributionDrift needs 1 <= minHistoryWeeks <= historyWeeks, got 6 and 4",
        ),
        ("checks:\n  jobs:\n    nosuch: {}\n", "key 'nosuch' must be one of"),
    ],
)
def test_bad_checks_values_are_usage_errors(seeded: Path, tmp_path: Path, text: str, message: str) -> None:
    values = tmp_path / "bad.yaml"
    values.write_text(text)
    line = one_error_line(
        goldpipe(
            "-f",
            str(values),
            "check",
            "daily_sales_summary",
            "--date",
            "2026-11-27",
            home=seeded,
            cwd=tmp_path,
        ),
        code=2,
    )
    assert message in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "daily_sales_summary", "--date", " 2026-11-27"), "invalid date ' 2026-11-27'"),
        (("show", "daily_sales_summary", "--date", "20261127"), "expected YYYY-MM-DD"),
        (("run-local", "--date", "20261127"), "invalid date '20261127'"),
        (("run-local", "--date", "auto", "--jobs", "rejected_rows,rejected_rows"), "given more than once"),
    ],
)
def test_sloppy_dates_and_jobs_are_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    proc = goldpipe(*args, home=tmp_path / "lake", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "lake").exists()


# --- finding 10: a silver column of the wrong type is named -----------------------------------


def _retype_status(home: Path) -> None:
    """silver.orders.status as an int column: a writer that broke the contract."""
    from pyiceberg.types import IntegerType

    catalog = load_catalog(resolve_embedded(CatalogConfig(), home))
    table = catalog.load_table("silver.orders")
    with table.update_schema(allow_incompatible_changes=True) as update:
        update.delete_column("status")
    with table.update_schema() as update:
        update.add_column("status", IntegerType())


def test_check_names_a_silver_column_of_the_wrong_type(seeded: Path, tmp_path: Path) -> None:
    from goldpipe.lakehouse.publish import publish_run
    from tests.support.reference_run import write_reference_run

    catalog = load_catalog(resolve_embedded(CatalogConfig(), seeded))
    day = dt.date(2026, 11, 27)
    write_reference_run(
        catalog, "r1", (day,), jobs=("daily_sales_summary",), computed_at=dt.datetime.now(dt.UTC)
    )
    publish_run(catalog, ("daily_sales_summary",), "r1")
    _retype_status(seeded)
    proc = goldpipe("check", "daily_sales_summary", "--date", "2026-11-27", home=seeded, cwd=tmp_path)
    assert "column 'status' has type int, the contract requires string" in proc.stdout + proc.stderr


def test_run_local_names_a_silver_column_of_the_wrong_type(seeded: Path, tmp_path: Path) -> None:
    require("spark", shutil.which("java") is not None, "no Java found")
    _retype_status(seeded)
    proc = goldpipe("run-local", "--date", "2026-11-27", home=seeded, cwd=tmp_path, timeout=600)
    assert proc.returncode == 1, proc.stderr
    assert "column 'status' has type int, the contract requires string" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- finding 11: as a new user would try it ------------------------------------------------------


def test_an_unreachable_api_server_is_one_line_after_bounded_retries(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        "clusters: [{name: x, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "users: [{name: x, user: {token: t}}]\n"
        "contexts: [{name: x, context: {cluster: x, user: x, namespace: analytics}}]\n"
    )
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "GOLDPIPE_CHART_DIR": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "goldpipe.cli.main", "status"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    line = one_error_line(proc)
    assert "cannot reach the Kubernetes API server at https://127.0.0.1:1 (connection refused)" in line
    assert "after 5 attempts" in line and len(line) < 250


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("show", "daily_sales_summary", "--date", "auto"),
            "Invalid value for --date: invalid date 'auto': expected YYYY-MM-DD",
        ),
        (("check", "daily_sales_summary", "--date", "2026-11-26..2026-11-27"), "expected YYYY-MM-DD (see"),
        (
            ("render", "--job", "nosuch", "--date", "2026-11-27"),
            "Invalid value for --job: unknown job 'nosuch'",
        ),
    ],
)
def test_single_day_options_say_so_and_blame_the_right_option(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    line = one_error_line(goldpipe(*args, home=tmp_path, cwd=ROOT), code=2)
    assert message in line
    assert "range" not in line and "'auto'" not in line.split("expected")[-1]


def test_values_file_after_the_command(tmp_path: Path) -> None:
    proc = goldpipe("render", "-f", str(ROOT / "values.yaml"), home=tmp_path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "kind: ScheduledSparkApplication" in proc.stdout


def test_show_says_what_it_hides_and_shows_the_audit_record(seeded: Path, tmp_path: Path) -> None:
    proc = goldpipe("show", "silver.customers", "--limit", "1", home=seeded, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    header = proc.stdout.splitlines()[0]
    assert "ingested_at hidden, --all-columns shows them" in header
    assert "ingested_at" not in proc.stdout.splitlines()[1]
    full = goldpipe("show", "silver.customers", "--limit", "1", "--all-columns", home=seeded, cwd=tmp_path)
    assert "ingested_at" in full.stdout.splitlines()[1]
    from goldpipe.checks import history

    history.results_table(load_catalog(resolve_embedded(CatalogConfig(), seeded)))
    audit = goldpipe("show", "audit.check_results", home=seeded, cwd=tmp_path)
    assert audit.returncode == 0 and audit.stdout.startswith("audit.check_results (0 row(s)"), audit.stderr


# --- issue 22, finding 10: -v shows the details -------------------------------------------------


def test_verbose_shows_the_details_behind_a_catalog_nobody_serves(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("catalog:\n  type: rest\n  uri: http://127.0.0.1:1\n")
    args = ("-f", str(values), "show", "daily_sales_summary")
    quiet = one_error_line(goldpipe(*args, home=tmp_path, cwd=tmp_path))
    verbose = goldpipe("-v", *args, home=tmp_path, cwd=tmp_path)
    assert verbose.returncode == 1
    assert verbose.stderr.strip().splitlines()[-1] == quiet
    assert "Connection refused" in verbose.stderr and "ConnectionError" in verbose.stderr


# --- issue 22, finding 4: a moved lakehouse, nothing published, no silver -------------------------


def silver_orders(home: Path) -> int:
    return len(
        load_catalog(resolve_embedded(CatalogConfig(), home)).load_table("silver.orders").scan().to_arrow()
    )


@pytest.mark.parametrize(
    "args",
    [
        ("show", "daily_sales_summary"),
        ("show", "silver.orders"),
        ("seed", "--days", "1", "--replace"),
        ("check", "daily_sales_summary", "--date", "2026-11-27"),
    ],
)
def test_a_moved_lakehouse_is_one_line(seeded: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    moved = tmp_path / "moved"
    seeded.rename(moved)
    line = one_error_line(goldpipe(*args, home=moved, cwd=tmp_path))
    assert f"the lakehouse of {moved / 'catalog.db'} was moved" in line
    assert f"move it back to {seeded}" in line
    assert not seeded.exists()  # and nothing was made at the old place


def test_a_copied_lakehouse_never_touches_the_original(seeded: Path, tmp_path: Path) -> None:
    """`seed --replace` in a copy purged the tables its catalog points at: the original's."""
    rows = silver_orders(seeded)
    copy = tmp_path / "copy"
    shutil.copytree(seeded, copy)
    line = one_error_line(goldpipe("seed", "--days", "1", "--replace", home=copy, cwd=tmp_path))
    assert f"{copy / 'catalog.db'} is a copy of another lakehouse's catalog" in line
    assert f"GOLDPIPE_HOME={seeded}" in line
    assert silver_orders(seeded) == rows


def test_check_of_a_table_with_nothing_published_is_one_line(seeded: Path, tmp_path: Path) -> None:
    """A run that failed its audit created the gold table, but main has no snapshot."""
    from goldpipe.core.contract import GOLD_TABLES
    from goldpipe.lakehouse.schema import create_table

    create_table(load_catalog(resolve_embedded(CatalogConfig(), seeded)), GOLD_TABLES["daily_sales_summary"])
    line = one_error_line(
        goldpipe("check", "daily_sales_summary", "--date", "2026-11-27", home=seeded, cwd=tmp_path)
    )
    assert "gold.daily_sales_summary has nothing published on main yet" in line
    assert "goldpipe run-local --date 2026-11-27" in line


def test_checks_of_a_ref_without_commits_run_instead_of_erroring(seeded: Path) -> None:
    """The reconciliation summed an untyped empty column (ArrowNotImplementedError): a ref without
    a commit has no rows, of the columns' own types, and the checks say what is missing."""
    from goldpipe.checks.runner import CheckTarget, run_checks
    from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
    from goldpipe.lakehouse.schema import create_table
    from tests.support.checks import chart_checks

    catalog = load_catalog(resolve_embedded(CatalogConfig(), seeded))
    for job in JOB_NAMES:
        create_table(catalog, GOLD_TABLES[job])
    results = run_checks(
        catalog,
        CheckTarget(jobs=JOB_NAMES, days=(dt.date(2026, 11, 27),), ref="main"),
        chart_checks(),
        now=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        history=lambda *_: {},
    )
    assert [r for r in results if r.status == "error"] == []
    failed = {(r.table, r.name) for r in results if r.status == "fail"}
    assert ("daily_sales_summary", "completeness") in failed
    assert ("daily_sales_summary", "reconciliation:orders") in failed


@pytest.mark.parametrize("lakehouse", ["missing", "without silver"])
def test_run_local_before_any_seed_is_one_line_before_spark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lakehouse: str
) -> None:
    import spark_apps.session
    from goldpipe.cli.main import main

    home = tmp_path / "lake"
    if lakehouse != "missing":
        load_catalog(resolve_embedded(CatalogConfig(), home), create=True)
    monkeypatch.setattr(spark_apps.session, "local_session", lambda *_a, **_k: pytest.fail("Spark started"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(home))
    with pytest.raises(SystemExit) as exit_info:
        main(["run-local", "--date", "2026-11-27"])
    assert exit_info.value.code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    if lakehouse == "missing":
        assert line.startswith(f"error: no lakehouse at {home}") and "goldpipe seed" in line
        assert not home.exists()
    else:
        assert line.startswith("error: silver table(s) silver.orders, silver.order_items")
        assert "goldpipe seed" in line
        catalog = load_catalog(resolve_embedded(CatalogConfig(), home))
        assert catalog.list_namespaces() == []  # nothing created
