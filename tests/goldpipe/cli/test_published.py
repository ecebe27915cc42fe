"""`goldpipe show` and `goldpipe check` on a real seeded lakehouse (issue 22, findings 2 and 4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from goldpipe.cli.main import main
from goldpipe.core.contract import SILVER_TABLES
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.seed import seed_silver

DAYS = (dt.date(2026, 11, 26), dt.date(2026, 11, 27))


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    home = tmp_path / "lake"
    catalog = load_catalog(resolve_embedded(CatalogConfig(), home), create=True)
    seed_silver(catalog, days=2, end_date=DAYS[-1], orders_per_day=20, seed=5, replace=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(home))
    return catalog


def goldpipe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([*args])
        raise SystemExit(0)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def row_count(header: str) -> int:
    return int(header.split("(", 1)[1].split(" row(s)", 1)[0])


@pytest.mark.parametrize("table", [t for t, c in SILVER_TABLES.items() if c.partitioning])
def test_finding_2_show_a_silver_fact_table_for_one_day(lake: Any, capsys: Any, table: str) -> None:
    """docs/cli.md's `show ... --date D` on silver: the rows whose business timestamp is on D (UTC)."""
    column = SILVER_TABLES[table].partitioning[0][0]
    every_row = lake.load_table(f"silver.{table}").scan().to_arrow().column(column).to_pylist()
    for day in (*DAYS, dt.date(2026, 11, 1)):
        expected = sum(1 for ts in every_row if ts.astimezone(dt.UTC).date() == day)
        code, out, err = goldpipe(
            capsys, "show", f"silver.{table}", "--date", day.isoformat(), "--limit", "1"
        )
        assert code == 0, err
        assert row_count(out.splitlines()[0]) == expected
    assert expected == 0 and len(every_row) > 0


@pytest.mark.parametrize("table", [t for t, c in SILVER_TABLES.items() if not c.partitioning])
def test_finding_2_a_dimension_has_no_day_and_says_so(lake: Any, capsys: Any, table: str) -> None:
    code, _out, err = goldpipe(capsys, "show", f"silver.{table}", "--date", "2026-11-27")
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("error: Invalid value for --date: ")
    assert f"silver.{table} has no business day" in line and "silver.orders" in line
