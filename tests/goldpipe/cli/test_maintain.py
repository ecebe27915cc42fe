"""``goldpipe maintain``: bad input in one line before any JVM, then the real job on a lakehouse."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlparse

import pyarrow as pa
import pytest

from goldpipe.cli.main import main
from goldpipe.core.contract import GOLD_TABLES
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.lakehouse.schema import arrow_schema, create_table


def _no_spark(monkeypatch: pytest.MonkeyPatch) -> None:
    import spark_apps.session

    def started(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Spark must not start")

    monkeypatch.setattr(spark_apps.session, "local_session", started)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--orphan-file-min-age-days", "0"], "orphan file min age must be at least 1 day"),
        (["--failed-branch-retention-days", "9"], "failed-branch retention must be at most 7 days"),
        (["--retain-last", "0"], "snapshots to retain must be at least 1"),
    ],
)
def test_bad_input_is_one_line_and_starts_no_spark(monkeypatch, capsys, args, message):
    _no_spark(monkeypatch)
    with pytest.raises(SystemExit) as exit_info:
        main(["maintain", *args])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_a_missing_lakehouse_is_refused_before_spark(tmp_path, monkeypatch, capsys):
    _no_spark(monkeypatch)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(SystemExit) as exit_info:
        main(["maintain"])
    assert exit_info.value.code == 1 and capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.spark
def test_dry_run_lists_then_maintain_removes_an_old_orphan(spark, tmp_path, monkeypatch, capsys):
    # A catalog name of its own: the shared test session may know `lake` from another test.
    values = tmp_path / "values.yaml"
    values.write_text("catalog:\n  name: lakemaint\n")
    home = tmp_path / "home"
    monkeypatch.setenv("GOLDPIPE_HOME", str(home))
    catalog = load_catalog(resolve_embedded(CatalogConfig(name="lakemaint"), home), create=True)
    contract = GOLD_TABLES["rejected_rows"]
    table = create_table(catalog, contract)
    row = {
        "event_date": dt.date(2026, 11, 1),
        "source_table": "orders",
        "reason": "bad_status",
        "rejected_count": 3,
        "computed_at": dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    }
    table.append(pa.Table.from_pylist([row], schema=arrow_schema(contract)))
    orphan = Path(urlparse(table.location()).path) / "data" / "leftover.parquet"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"a crashed write's file")
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).timestamp()
    os.utime(orphan, (old, old))

    main(["-f", str(values), "maintain", "--dry-run"])
    out = capsys.readouterr().out
    assert "gold.rejected_rows: would drop 0 failed-run branch(es), would delete 1 orphan file(s)" in out
    assert "leftover.parquet" in out and orphan.exists()

    main(["-f", str(values), "maintain", "--older-than-days", "1", "--no-rewrite-manifests"])
    out = capsys.readouterr().out
    assert "gold.rejected_rows: 0 snapshot(s) expired" in out and "1 orphan file(s) deleted" in out
    assert not orphan.exists()
    assert len(table.refresh().scan().to_arrow()) == 1
