"""Ctrl-C during a real `goldpipe run-local` (issue 22, finding 1): one line, exit 130, no branch
left without a run behind it, `main` unchanged, no JVM left running."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.names import BRANCH_CREATED_PREFIX
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.lakehouse.publish import publish_run
from goldpipe.seed import seed_silver
from tests.conftest import require
from tests.support.reference_run import write_reference_run

ROOT = Path(__file__).resolve().parents[3]
PUBLISHED, RUN_DAY = dt.date(2026, 11, 26), dt.date(2026, 11, 27)
RUN_ID = "interrupted_1"


@pytest.fixture
def lake(tmp_path: Path) -> Iterator[Path]:
    """Silver of two days; the first one published (without Spark), so `main` has something.
    Whatever process of this lakehouse outlives a failing test is stopped, by its pid."""
    require("spark", shutil.which("java") is not None, "no Java found")
    home = tmp_path / "lake"
    catalog = load_catalog(resolve_embedded(CatalogConfig(), home), create=True)
    seed_silver(catalog, days=2, end_date=RUN_DAY, orders_per_day=20, seed=2, replace=False)
    write_reference_run(catalog, "before", (PUBLISHED,), computed_at=dt.datetime.now(dt.UTC))
    publish_run(catalog, JOB_NAMES, "before")
    yield home
    for pid in jvms_of(home):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def refs(home: Path) -> dict[str, dict[str, tuple[str, int]]]:
    """Per gold table: every ref's type and snapshot."""
    catalog = load_catalog(resolve_embedded(CatalogConfig(), home))
    out = {}
    for job in JOB_NAMES:
        table = catalog.load_table(GOLD_TABLES[job].identifier)
        out[job] = {
            name: (str(ref.snapshot_ref_type), ref.snapshot_id) for name, ref in table.metadata.refs.items()
        }
    return out


def cut_dates(home: Path) -> list[str]:
    """The gold tables' properties dating a branch's cut."""
    catalog = load_catalog(resolve_embedded(CatalogConfig(), home))
    return [
        key
        for job in JOB_NAMES
        for key in catalog.load_table(GOLD_TABLES[job].identifier).properties
        if key.startswith(BRANCH_CREATED_PREFIX)
    ]


def jvms_of(home: Path) -> list[int]:
    """Processes whose environment names this lakehouse: the run's JVM, if it outlived the run."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"GOLDPIPE_HOME={home}".encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 300
    while not condition():
        assert proc.poll() is None, f"run-local ended before {what}"
        assert time.monotonic() < deadline, f"no {what} after 300 s"
        time.sleep(0.2)


def branch_cut(home: Path) -> Callable[[], bool]:
    def cut() -> bool:
        try:
            return any(f"audit_{RUN_ID}" in table for table in refs(home).values())
        except Exception:  # the JVM is committing: look again
            return False

    return cut


@pytest.mark.parametrize("when", ["while the JVM starts", "while the jobs write the run's branch"])
def test_ctrl_c_during_run_local_is_one_line_and_leaves_main_as_it_was(
    lake: Path, tmp_path: Path, when: str
) -> None:
    before = refs(lake)
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        # Its own process group, like a shell's foreground job: Ctrl-C reaches every process of it.
        proc = subprocess.Popen(
            [sys.executable, "-m", "goldpipe.cli.main", "run-local", "--date", str(RUN_DAY), "--run-id", RUN_ID],
            cwd=tmp_path,
            env={**os.environ, "GOLDPIPE_HOME": str(lake), "GOLDPIPE_CHART_DIR": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            if when == "while the JVM starts":
                wait_for(lambda: "starting Spark" in stderr.read_text(), proc, "Spark start")
            else:
                wait_for(branch_cut(lake), proc, "branch")
            os.killpg(proc.pid, signal.SIGINT)
            stdout, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    lines = stderr.read_text().strip().splitlines()
    assert proc.returncode == 130, lines
    assert stdout == ""
    assert lines[-1].startswith(f"interrupted: run {RUN_ID} stopped before its audit: gold main is unchanged")
    if when != "while the JVM starts":
        assert lines[-1].endswith(f", branch audit_{RUN_ID} dropped")
    # The one line is the only one after the progress: no traceback, no Java stack, no py4j error.
    assert not [line for line in lines if "Traceback" in line or "Error" in line or "Exception" in line]
    assert not [line for line in lines if line.startswith(("\tat ", "  File "))]
    assert refs(lake) == before  # main where it was, and no branch without a run behind it
    assert cut_dates(lake) == []  # nor the property dating the dropped branch's cut
    time.sleep(1)
    assert jvms_of(lake) == []


def test_ctrl_c_during_the_audit_waits_for_it(capfd: pytest.CaptureFixture[str]) -> None:
    """The publish moves main table by table: Ctrl-C is held until the block is done."""
    from goldpipe.cli.interrupts import held_interrupt

    # As in a terminal: Ctrl-C taken. (A test run started in the background of a shell script,
    # `make test &`, inherits SIGINT ignored, and goldpipe rightly keeps ignoring it: the next test.)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        finished = False
        with held_interrupt("the audit and publish of run r") as held:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)  # said once
            finished = True
        assert finished and held.requested
        assert capfd.readouterr().err == "interrupt: the audit and publish of run r finishes first\n"
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_command_started_with_ctrl_c_ignored_keeps_ignoring_it() -> None:
    """A shell's background job ignores SIGINT: goldpipe does not start taking it."""
    from goldpipe.cli.interrupts import held_interrupt, spark_interrupts

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with spark_interrupts(lambda: "stopped") as guard:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN and guard.handler is signal.SIG_IGN
        with held_interrupt("x"):
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
