"""The README's local commands, run as a new user runs them (issue 22): every `goldpipe` line of
its code blocks that runs without a cluster (seed, run-local, show, check, render, maintain
--dry-run), in order, on a fresh lakehouse in `.goldpipe/` of an empty directory, each held to
what its comment and the README say it does. Only the scale is made smaller (SCALE); a command
the README gains without a claim here fails the test."""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from goldpipe.core.contract import GOLD_TABLES, SILVER_TABLES
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
# The README's scale is a laptop's minutes; the claims are the same on a smaller one.
SCALE = {"--orders-per-day": "20", "--days": "4", "--max-catch-up-days": "4"}
# Commands of the README's code blocks that need a cluster (the end-to-end tier runs those).
CLUSTER_COMMANDS = {"run", "backfill", "status", "controller"}


@dataclass(frozen=True)
class Line:
    args: list[str]  # after `goldpipe`
    comment: str

    @property
    def command(self) -> str:
        return self.args[0]

    def option(self, name: str) -> str:
        return self.args[self.args.index(name) + 1]


def readme_lines() -> list[Line]:
    """Every `goldpipe` command line of the README's sh code blocks, in order."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        for raw in block.splitlines():
            code, _, comment = raw.partition("#")
            if code.startswith((".venv/bin/goldpipe ", "goldpipe ")):
                lines.append(Line(shlex.split(code)[1:], comment.strip()))
    return lines


def scaled(args: list[str]) -> list[str]:
    return [SCALE.get(prev, arg) for prev, arg in zip(["", *args[:-1]], args, strict=True)]


@dataclass
class User:
    """A new user's shell: an empty directory, the default lakehouse `.goldpipe/` in it."""

    cwd: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDPIPE_") or k == "GOLDPIPE_JARS"}
        env["GOLDPIPE_CHART_DIR"] = str(ROOT)  # the checkout's chart, as `.venv/bin/goldpipe` finds it
        return subprocess.run(
            [sys.executable, "-m", "goldpipe.cli.main", *args],
            cwd=self.cwd, env=env, capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip

    def catalog(self):  # type: ignore[no-untyped-def]
        return load_catalog(resolve_embedded(CatalogConfig(), self.cwd / ".goldpipe"))

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = self.run(*args)
        assert proc.returncode == 0, f"goldpipe {shlex.join(args)}:\n{proc.stdout}\n{proc.stderr}"
        assert "Traceback" not in proc.stderr
        return proc


def header_rows(proc: subprocess.CompletedProcess[str]) -> int:
    return int(proc.stdout.splitlines()[0].split("(", 1)[1].split(" row(s)", 1)[0])


# --- what each line's comment (and the README's text about the command) claims -----------------


def claims_of_seed(user: User, line: Line, facts: dict[str, object]) -> None:
    """`synthetic silver of the N days up to the end date`."""
    args = scaled(line.args)
    days, end = int(line.option("--days")), dt.date.fromisoformat(line.option("--end-date"))
    assert re.search(rf"silver of the {days} days up to the end date", line.comment), line.comment
    scaled_days = int(args[args.index("--days") + 1])
    first = end - dt.timedelta(days=scaled_days - 1)
    proc = user.ok(*args)
    assert proc.stdout.startswith(f"seeded silver {first}..{end} ")
    assert user.ok(*args, "--print-range").stdout.strip() == f"{first}..{end}"
    catalog = user.catalog()
    assert all(catalog.table_exists(t.identifier) for t in SILVER_TABLES.values())
    facts.update(days=scaled_days, readme_days=days, first=first, end=end)


def claims_of_run_local(user: User, line: Line, facts: dict[str, object]) -> None:
    """`all N days`: --date auto on empty gold runs every seeded day, publishes them."""
    assert f"all {facts['readme_days']} days" in line.comment, line.comment
    assert int(line.option("--max-catch-up-days")) == facts["readme_days"]
    proc = user.ok(*scaled(line.args))
    assert proc.stdout.strip().splitlines()[-1].startswith("run ")
    assert f": {facts['days']} day(s), published to main, " in proc.stdout
    summary = user.catalog().load_table("gold.daily_sales_summary").scan().to_arrow()
    days = sorted(summary.column("event_date").to_pylist())
    assert days == [facts["first"] + dt.timedelta(days=i) for i in range(int(str(facts["days"])))]


def claims_of_show(user: User, line: Line, facts: dict[str, object]) -> None:
    """`newest day first; or any gold/silver table, --date D`."""
    assert "newest day first" in line.comment and "any gold/silver table, --date D" in line.comment
    proc = user.ok(*line.args)
    assert header_rows(proc) == facts["days"]
    assert proc.stdout.splitlines()[3].startswith(str(facts["end"]))  # the first row after the rule
    day = str(facts["end"])
    for name, contract in [*GOLD_TABLES.items(), *(("silver." + t, c) for t, c in SILVER_TABLES.items())]:
        assert header_rows(user.ok("show", name)) > 0, name
        dated = user.run("show", name, "--date", day)
        if contract.partitioning:  # the README: the dimensions have no day
            assert dated.returncode == 0 and header_rows(dated) > 0, (name, dated.stderr)
        else:
            assert dated.returncode == 2 and "has no business day" in dated.stderr, (name, dated.stderr)
    assert header_rows(user.ok("show", "audit.check_results", "--date", day)) > 0


def claims_of_check(user: User, line: Line, facts: dict[str, object]) -> None:
    """`the checks on published data`: of a day the run published, WARN allowed, FAIL exits 1."""
    assert line.option("--date") == str(facts["end"])
    proc = user.ok(*line.args)
    assert re.search(rf"daily_sales_summary {facts['end']}: checks (passed|warning)$", proc.stdout.strip())


def claims_of_render(user: User, line: Line, facts: dict[str, object]) -> None:
    """`the ScheduledSparkApplications the controller applies` (the table maintenance one included)."""
    proc = user.ok(*line.args)
    docs = list(yaml.safe_load_all(proc.stdout))
    assert {d["kind"] for d in docs} == {"ScheduledSparkApplication"}
    assert {d["metadata"]["name"] for d in docs} == {"goldpipe-nightly", "goldpipe-maintenance"}


def claims_of_maintain(user: User, line: Line, facts: dict[str, object]) -> None:
    """`what table maintenance would remove; changes nothing`."""
    assert line.args == ["maintain", "--dry-run"] and "changes nothing" in line.comment

    def state() -> dict[str, object]:
        catalog = user.catalog()
        tables = [*(t.identifier for t in GOLD_TABLES.values()), "audit.check_results"]
        return {t: catalog.load_table(t).metadata_location for t in tables}

    before = state()
    proc = user.ok(*line.args)
    assert "dry run, nothing changed" in proc.stderr
    assert state() == before


CLAIMS: dict[str, Callable[[User, Line, dict[str, object]], None]] = {
    "seed": claims_of_seed,
    "run-local": claims_of_run_local,
    "show": claims_of_show,
    "check": claims_of_check,
    "render": claims_of_render,
    "maintain": claims_of_maintain,
}


def test_every_readme_command_has_its_claims_here() -> None:
    commands = [line.command for line in readme_lines()]
    assert set(commands) - CLUSTER_COMMANDS <= set(CLAIMS), commands
    assert set(CLAIMS) <= set(commands)  # and each claim still has its line


@pytest.mark.slow
def test_the_readme_local_commands_do_what_it_says(tmp_path: Path) -> None:
    require("spark", shutil.which("java") is not None, "no Java found")
    user, facts = User(tmp_path), {}
    for line in readme_lines():
        if line.command not in CLUSTER_COMMANDS:
            CLAIMS[line.command](user, line, facts)
