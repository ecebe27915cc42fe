"""``goldpipe seed``: the CLI's range, its refusals and the replace round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.support.seeding import catalog, run_cli


def test_cli_print_range_writes_nothing(home: Path) -> None:
    result = run_cli("--print-range", "--days", "3", "--end-date", "2024-03-10")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2024-03-08..2024-03-10\n"
    assert not home.exists()


def test_cli_print_range_defaults_to_days_ending_yesterday_utc(home: Path) -> None:
    result = run_cli("--print-range")
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert result.stdout.strip() == f"{yesterday - dt.timedelta(days=2)}..{yesterday}"


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "10/03/2024"])
def test_cli_rejects_a_bad_end_date(home: Path, value: str) -> None:
    result = run_cli("--end-date", value)
    assert result.exit_code == 2
    assert "--end-date" in result.output and value in result.output


@pytest.mark.parametrize("args", [["--days", "0"], ["--orders-per-day", "9"], ["--seed", "-1"]])
def test_cli_rejects_bad_numbers(home: Path, args: list[str]) -> None:
    result = run_cli(*args, "--end-date", "2024-03-10")
    assert result.exit_code == 2, result.output


def test_cli_seeds_then_refuses_then_replaces(home: Path) -> None:
    args = ["--days", "2", "--end-date", "2024-03-10", "--orders-per-day", "10"]
    first = run_cli(*args)
    assert first.exit_code == 0, first.output
    assert "2024-03-09 orders:" in first.stderr
    assert first.stdout.startswith("seeded silver 2024-03-09..2024-03-10 (10 orders/day, seed 42)")
    again = run_cli(*args)
    assert again.exit_code == 1
    assert "error: " in again.stderr and "--replace" in again.stderr
    replaced = run_cli(*args, "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "dropped silver.orders" in replaced.stderr
    assert catalog().load_table("silver.orders").scan().to_arrow().num_rows > 10
