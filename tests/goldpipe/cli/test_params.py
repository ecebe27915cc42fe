"""Each command-line rule has one home, `goldpipe/cli/params.py` (issue 21, finding 3): the one
date parameter type, the one `-f`; and `run-local` is a service whose command only prints."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
import pytest

from goldpipe.cli.main import _register, cli
from goldpipe.cli.params import DAY, DAYS
from goldpipe.core.dates import AUTO, DateSpec

CLI = Path(__file__).resolve().parents[3] / "goldpipe" / "cli"


def sources() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(CLI.glob("*.py"))}


def test_dates_are_parsed_only_by_the_date_parameter_type() -> None:
    parsing = {name for name, text in sources().items() if re.search(r"parse_date(_spec)?\(", text)}
    assert parsing == {"params.py"}


def test_f_is_defined_once() -> None:
    defining = {name for name, text in sources().items() if re.search(r'"-f",\s*\n?\s*"--values"', text)}
    assert defining == {"params.py"}


def test_every_date_option_uses_the_date_type() -> None:
    _register()
    dated = [
        (command.name, p.name, p.type)
        for command in cli.commands.values()
        for p in command.params
        if isinstance(p, click.Option) and p.name in {"day", "dates", "start", "end", "end_date"}
    ]
    assert len(dated) >= 7 and all(t in (DAY, DAYS) for _, _, t in dated), dated


def test_the_date_type() -> None:
    assert DAY.convert("2026-11-27", None, None) == dt.date(2026, 11, 27)
    assert DAYS.convert("auto", None, None) == AUTO
    assert DAYS.convert("2026-11-26..2026-11-27", None, None) == DateSpec(
        (dt.date(2026, 11, 26), dt.date(2026, 11, 27))
    )
    with pytest.raises(click.BadParameter, match="expected YYYY-MM-DD"):
        DAY.convert("20261127", None, None)
    with pytest.raises(click.BadParameter, match="expected YYYY-MM-DD"):
        DAY.convert("auto", None, None)


def test_run_local_the_command_only_prints_what_the_service_reports() -> None:
    text = sources()["local.py"]
    for step in ("load_catalog", "catalog_session", "audit_run", "spark_interrupts", "time.monotonic"):
        assert step not in text, step
