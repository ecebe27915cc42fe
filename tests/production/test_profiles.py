"""The production profiles for real: goldpipe's CLI (seed, run-local with its audit and publish,
show, check) on PostgreSQL + S3 and on an Iceberg REST catalog + S3, configured by the profile's
values file with every secret from the environment, and the same gold rows as the embedded
lakehouse for the same seed."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.names import RUN_PROPERTY, branch_name
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, catalog_from_mapping, with_credentials
from goldpipe.lakehouse.publish import PublishConflictError, publish_run
from tests.support.reference_run import write_reference_run

pytestmark = [pytest.mark.production, pytest.mark.slow]

HERE = Path(__file__).parent
LAST_DAY = dt.date(2026, 11, 20)
DAYS = (LAST_DAY - dt.timedelta(days=1), LAST_DAY)
SEED = ("seed", "--days", "2", "--end-date", LAST_DAY.isoformat(), "--orders-per-day", "150", "--seed", "7")
DATES = f"{DAYS[0].isoformat()}..{DAYS[1].isoformat()}"


@dataclass(frozen=True)
class Profile:
    name: str
    values: Path
    env: Mapping[str, str]

    def goldpipe(self, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_goldpipe(("-f", str(self.values), *args), {**self.env, **(env or {})})

    def catalog_config(self) -> CatalogConfig:
        return catalog_from_mapping(yaml.safe_load(self.values.read_text())["catalog"])

    def catalog(self) -> Any:
        """A pyiceberg client in this process, with the profile's secrets as properties (the
        CLI's subprocesses get them as environment variables instead)."""
        cfg = with_credentials(self.catalog_config(), self.env)  # the catalog's, as the CLI maps them
        s3 = {
            "s3.access-key-id": self.env["AWS_ACCESS_KEY_ID"],
            "s3.secret-access-key": self.env["AWS_SECRET_ACCESS_KEY"],
        }
        return load_catalog(replace(cfg, properties={**cfg.properties, **s3}))


def run_goldpipe(args: tuple[str, ...], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GOLDPIPE_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-m", "goldpipe.cli.main", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def profile_values(template: str, directory: Path, **changes: Any) -> Path:
    """The profile's checked-in values file with the loopback servers' addresses put in."""
    values = yaml.safe_load((HERE / template).read_text())
    catalog = values["catalog"]
    catalog["uri"] = changes["uri"]
    catalog["warehouse"] = changes.get("warehouse", catalog["warehouse"])
    catalog["properties"]["s3.endpoint"] = changes["s3_endpoint"]
    path = directory / template
    path.write_text(yaml.safe_dump(values))
    return path


@pytest.fixture(scope="module", params=["jdbc-s3", "rest-s3"])
def profile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Profile:
    s3 = request.getfixturevalue("s3")
    directory = tmp_path_factory.mktemp(request.param)
    env = {
        "GOLDPIPE_HOME": str(directory / "home"),  # nothing may land there
        "AWS_ACCESS_KEY_ID": s3.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.secret_key,
    }
    if request.param == "jdbc-s3":
        pg = request.getfixturevalue("postgres")
        values = profile_values(
            "values-jdbc-s3.yaml",
            directory,
            uri=pg.jdbc_url(),
            warehouse=f"s3://{s3.bucket}/jdbc-warehouse",
            s3_endpoint=s3.endpoint,
        )
        env |= {"GOLDPIPE_CATALOG_JDBC_USER": pg.user, "GOLDPIPE_CATALOG_JDBC_PASSWORD": pg.password}
    else:
        rest = request.getfixturevalue("rest_catalog")
        values = profile_values("values-rest-s3.yaml", directory, uri=rest.uri, s3_endpoint=s3.endpoint)
    profile = Profile(request.param, values, env)
    succeeded(profile.goldpipe(*SEED, "--replace"))
    return profile


@pytest.fixture(scope="module")
def embedded_gold(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """The gold rows of the embedded lakehouse (SQLite + local files) for the same seed."""
    home = tmp_path_factory.mktemp("embedded")
    env = {"GOLDPIPE_HOME": str(home)}
    succeeded(run_goldpipe(SEED, env))
    succeeded(run_goldpipe(("run-local", "--date", DATES), env))
    from goldpipe.deploy.settings import load_settings

    return gold_rows(load_catalog(load_settings(None, env).catalog))


def gold_rows(catalog: Any) -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for job in JOB_NAMES:
        contract = GOLD_TABLES[job]
        table = catalog.load_table(contract.identifier).scan().to_arrow().drop_columns(["computed_at"])
        rows[job] = sorted(table.to_pylist(), key=lambda r: tuple(str(r[k]) for k in contract.key))
    return rows


@pytest.fixture(scope="module")
def published(profile: Profile) -> Profile:
    out = succeeded(profile.goldpipe("run-local", "--date", DATES))
    # "checks warning": the seeded days are in the past, so freshness warns (and publishes).
    assert "checks passed" in out or "checks warning" in out, out
    assert "published to main" in out, out
    return profile


def test_a_run_is_audited_published_and_readable(published: Profile) -> None:
    shown = succeeded(published.goldpipe("show", "daily_sales_summary"))
    assert DAYS[0].isoformat() in shown and DAYS[1].isoformat() in shown
    for job in JOB_NAMES:
        succeeded(published.goldpipe("check", job, "--date", LAST_DAY.isoformat()))


def test_gold_equals_the_embedded_lakehouse_for_the_same_seed(
    published: Profile, embedded_gold: dict[str, list[dict[str, Any]]]
) -> None:
    assert gold_rows(published.catalog()) == embedded_gold


def test_every_file_is_on_the_object_store(published: Profile) -> None:
    catalog = published.catalog()
    for contract in GOLD_TABLES.values():
        table = catalog.load_table(contract.identifier)
        assert table.metadata_location.startswith("s3://"), table.metadata_location
        paths = [task.file.file_path for task in table.scan().plan_files()]
        assert paths and all(p.startswith("s3://") for p in paths), paths
    assert not (Path(published.env["GOLDPIPE_HOME"])).exists()


def test_a_wrong_secret_is_a_clear_error(published: Profile) -> None:
    wrong = {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}
    if published.name == "jdbc-s3":
        wrong["GOLDPIPE_CATALOG_JDBC_PASSWORD"] = "not-the-password"
    result = published.goldpipe("show", "daily_sales_summary", env=wrong)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr and result.stderr.startswith("error:"), result.stderr


def test_two_runs_publishing_the_same_day_at_once_give_main_moved(published: Profile) -> None:
    catalog = published.catalog()
    now = dt.datetime(2026, 11, 21, 3, tzinfo=dt.UTC)
    for run in ("race-a", "race-b"):  # both branches cut from the same main
        write_reference_run(catalog, run, (LAST_DAY,), jobs=("daily_sales_summary",), computed_at=now)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def publish(run: str) -> None:
        mine = published.catalog()  # a client of its own, as two processes would have
        start.wait()
        try:
            outcomes[run] = publish_run(mine, ("daily_sales_summary",), run)
        except PublishConflictError as exc:
            outcomes[run] = exc

    threads = [threading.Thread(target=publish, args=(run,)) for run in ("race-a", "race-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = {run: o for run, o in outcomes.items() if isinstance(o, PublishConflictError)}
    assert len(failed) == 1, outcomes
    [(loser, error)] = failed.items()
    winner = ({"race-a", "race-b"} - {loser}).pop()
    assert "main moved since branch" in str(error)
    assert f"now has day(s) {LAST_DAY} that the run would overwrite" in str(error)
    table = catalog.load_table(GOLD_TABLES["daily_sales_summary"].identifier)
    assert table.current_snapshot().summary[RUN_PROPERTY] == winner
    assert branch_name(loser) in table.metadata.refs  # kept, for a look at what was refused


# The maintenance job as `goldpipe maintain` runs it (the CLI's session, the values' policy), ten
# days from now: snapshots and branches are judged by their timestamps, and objects on S3 cannot
# be back-dated, so the job is moved forward instead. Orphan files are the exception: Iceberg
# refuses a cut-off younger than a day *by the real clock*, so they keep a cut-off of a day ago,
# and a file written now must survive (a write in flight); their deletion is tested on local
# files (tests/spark_apps/test_maintenance.py).
MAINTAIN_LATER = """
import dataclasses, datetime as dt, sys
from goldpipe.cli.local_spark import catalog_session
from goldpipe.deploy.settings import load_settings
from spark_apps.table_maintenance import run_maintenance
settings, days = load_settings(sys.argv[1]), int(sys.argv[2])
cfg = settings.catalog
policy = dataclasses.replace(
    settings.maintenance, orphan_file_min_age_days=days + 1, retain_last_snapshots=1
)
spark = catalog_session(cfg, app_name="goldpipe-maintenance-later")
run_maintenance(spark, cfg.name, policy, dt.datetime.now(dt.UTC) + dt.timedelta(days=days))
spark.stop()
"""


def test_maintenance_on_the_object_store_keeps_what_is_published(
    published: Profile, embedded_gold: dict[str, list[dict[str, Any]]]
) -> None:
    catalog = published.catalog()
    tables = {job: catalog.load_table(GOLD_TABLES[job].identifier) for job in JOB_NAMES}
    refs_before = {job: dict(table.metadata.refs) for job, table in tables.items()}
    snapshots_before = sum(len(table.snapshots()) for table in tables.values())
    failed = {job for job, refs in refs_before.items() if any(r.startswith("audit_") for r in refs)}
    assert failed == {"daily_sales_summary"}  # the race's loser
    summary = tables["daily_sales_summary"]
    orphan = f"{summary.location()}/data/orphan-of-a-crashed-write.parquet"
    with summary.io.new_output(orphan).create() as out:
        out.write(b"not referenced by any snapshot")
    # The real command on this catalog: nothing is old yet, so a dry run lists nothing to drop.
    listed = published.goldpipe("maintain", "--dry-run")
    assert succeeded(listed) is not None and "orphan-of-a-crashed-write" not in listed.stdout + listed.stderr

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GOLDPIPE_", "AWS_"))},
        **published.env,
    }
    later = subprocess.run(
        [sys.executable, "-c", MAINTAIN_LATER, str(published.values), "10"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert later.returncode == 0, later.stderr[-3000:]

    catalog = published.catalog()
    tables = {job: catalog.load_table(GOLD_TABLES[job].identifier) for job in JOB_NAMES}
    assert sum(len(table.snapshots()) for table in tables.values()) < snapshots_before
    for job, table in tables.items():
        refs = table.metadata.refs
        kept = {name for name in refs_before[job] if not name.startswith("audit_")}
        assert set(refs) == kept, job  # main and the run tags; the failed branch is dropped
        for ref in refs.values():  # what each ref holds is still readable on S3
            table.scan(snapshot_id=ref.snapshot_id).to_arrow()
    assert summary.io.new_input(orphan).exists()  # younger than the orphan cut-off: kept
    assert gold_rows(catalog) == embedded_gold
    assert catalog.load_table("audit.check_results").scan().to_arrow().num_rows > 0
