"""`goldpipe run-local` emits the controller's OpenLineage events (parent job `run-local`), to a
file or a loopback receiver; a failing receiver changes neither the publish nor the exit status.
Spark is replaced by the reference writer (the DuckDB reading of the contract), which leaves the
run's branch exactly as the job does; the audit, publish and lineage are real."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import yaml

import goldpipe.cli.local_run
import spark_apps.pipeline
from goldpipe.cli.main import main
from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.names import branch_name
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.seed import seed_silver
from spark_apps.pipeline import JobStats, RunReport
from tests.goldpipe.conftest import GoldLake
from tests.support.lineage_receiver import lineage_receiver

YESTERDAY = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)


@pytest.fixture
def lake(tmp_path, monkeypatch) -> GoldLake:
    catalog = load_catalog(resolve_embedded(CatalogConfig(), tmp_path / "lake"), create=True)
    seed_silver(catalog, days=1, end_date=YESTERDAY, orders_per_day=20, seed=3, replace=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "lake"))
    lake = GoldLake(tmp_path / "lake", catalog, (YESTERDAY,))

    def run(_spark, request, **_kwargs):
        lake.write_run(request.run_id, request.dates.days, jobs=request.jobs)
        return RunReport(
            run_id=request.run_id,
            branch=branch_name(request.run_id),
            days=request.dates.days,
            jobs={job: JobStats(days=len(request.dates.days)) for job in request.jobs},
        )

    session = SimpleNamespace(sparkContext=SimpleNamespace(_gateway=SimpleNamespace(proc=None)))
    monkeypatch.setattr(goldpipe.cli.local_run, "catalog_session", lambda *_a, **_k: session)
    monkeypatch.setattr(spark_apps.pipeline, "run", run)
    return lake


def run_local(tmp_path, lineage: dict) -> int:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"lineage": lineage}))
    try:
        main(["-f", str(values), "run-local", "--date", YESTERDAY.isoformat(), "--run-id", "local-1"])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_run_local_writes_the_events_to_a_file(lake, tmp_path, capsys):
    path = tmp_path / "lineage.jsonl"
    code = run_local(tmp_path, {"enabled": True, "transport": {"type": "file", "path": str(path)}})
    assert code == 0, capsys.readouterr().err
    events = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["job"]["name"], e["eventType"]) for e in events] == [
        (job, state) for job in JOB_NAMES for state in ("START", "COMPLETE")
    ]
    complete = events[1]
    assert complete["run"]["facets"]["parent"]["job"]["name"] == "run-local"
    [output] = complete["outputs"]
    assert output["namespace"] == f"file://{lake.root}/warehouse"
    table = lake.catalog.load_table("gold.daily_sales_summary")
    assert output["facets"]["version"]["datasetVersion"] == str(table.current_snapshot().snapshot_id)
    assert output["facets"]["dataQualityAssertions"]["assertions"]
    assert "warning: OpenLineage" not in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["error", "down"])
def test_a_failing_receiver_changes_nothing_about_run_local(lake, tmp_path, capsys, mode):
    def http(url: str) -> dict:
        return {"enabled": True, "transport": {"type": "http", "url": url, "timeoutSeconds": 0.5}}

    if mode == "down":
        with lineage_receiver() as gone:
            url = gone.url  # nothing listens there once the block ended
        code = run_local(tmp_path, http(url))
    else:
        with lineage_receiver("error") as receiver:
            code = run_local(tmp_path, http(receiver.url))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "published to main" in captured.out
    assert len(lake.main_rows("daily_sales_summary")) == 1
    assert "warning: OpenLineage events:" in captured.err
