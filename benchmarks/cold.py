"""Cold runs for benchmark (b): every run a new process, like a nightly SparkApplication.

goldpipe: ``goldpipe run-local`` for one day (JVM and Spark session start, the four jobs, the
audit and the publish), its phases from ``--timings``. DuckDB: ``duckdb_gold.py`` on the same
Iceberg silver files, writing the same four tables as Parquet. Peak memory: the driver JVM's
as run-local reports it, DuckDB's process from a small wrapper around it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spark_apps.jvm import DUMP_SETTLED_SECONDS  # noqa: E402

GOLDPIPE = Path(sys.executable).with_name("goldpipe")

# Runs a command and prints the peak RSS (KiB) of its largest descendant: the JVM, for goldpipe.
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


@dataclass
class ColdRun:
    seconds: float
    peak_rss_mib: float
    phases: dict[str, float] = field(default_factory=dict)


def _measure(command: list[str], home: Path) -> tuple[float, float]:
    env = {**os.environ, "GOLDPIPE_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def goldpipe_cold(home: Path, day: dt.date, run_id: str) -> ColdRun:
    with tempfile.TemporaryDirectory() as tmp:
        timings = Path(tmp) / "timings.json"
        command = [str(GOLDPIPE), "run-local", "--date", day.isoformat(), "--run-id", run_id]
        seconds, rss = _measure([*command, "--timings", str(timings)], home)
        recorded = json.loads(timings.read_text())
        phases = recorded["seconds"]
        # Interpreter start and imports happen before run-local's own clock starts, the exit
        # (Python's, then the JVM's, which holds the output pipe) after it stops.
        phases = {"Python start and exit, imports": seconds - phases["total"], **phases}
        return ColdRun(seconds, recorded["driver_peak_rss_mib"] or rss, phases)


def duckdb_cold(home: Path, day: dt.date) -> ColdRun:
    with tempfile.TemporaryDirectory() as out:
        script = ROOT / "benchmarks" / "duckdb_gold.py"
        seconds, rss = _measure([sys.executable, str(script), "--date", day.isoformat(), "--out", out], home)
        return ColdRun(seconds, rss)


@dataclass
class ColdComparison:
    goldpipe: list[ColdRun]
    duckdb: list[ColdRun]

    @property
    def goldpipe_s(self) -> float:
        return statistics.median(r.seconds for r in self.goldpipe)

    @property
    def duckdb_s(self) -> float:
        return statistics.median(r.seconds for r in self.duckdb)

    @property
    def ratio(self) -> float:
        return self.goldpipe_s / self.duckdb_s

    def phases(self) -> dict[str, float]:
        """Median seconds per phase over the goldpipe runs, in the order the run reports them."""
        names = list(dict.fromkeys(name for r in self.goldpipe for name in r.phases))
        return {n: statistics.median(r.phases.get(n, 0.0) for r in self.goldpipe) for n in names}

    def as_dict(self) -> dict[str, object]:
        return {
            "goldpipe_s": [r.seconds for r in self.goldpipe],
            "duckdb_s": [r.seconds for r in self.duckdb],
            "goldpipe_peak_rss_mib": max(r.peak_rss_mib for r in self.goldpipe),
            "duckdb_peak_rss_mib": max(r.peak_rss_mib for r in self.duckdb),
            "ratio": self.ratio,
            "phases_median_s": self.phases(),
        }


def compare_cold(
    home: Path, day: dt.date, repeats: int, label: str, *, warm_up: bool = True
) -> ColdComparison:
    """Interleaved cold runs (goldpipe, DuckDB, goldpipe, ...), so drift hits both sides."""
    duckdb_cold(home, day)  # the OS file cache holds silver for both sides from here on
    # One untimed run-local first: a machine's first run with a class path dumps the driver's
    # class-data sharing archive at exit (~200 MB, tens of seconds), which every later run maps.
    # A nightly run meets the archive its predecessor left, so the timed runs do too: a run
    # adopts a dump once it has settled (while it may still be written, runs go without).
    # (`--quick` skips it: its toy runs prove the script works, they measure nothing.)
    if warm_up:
        started = time.monotonic()
        goldpipe_cold(home, day, f"bench-{label}-warm-up")
        time.sleep(max(0.0, DUMP_SETTLED_SECONDS + 1 - (time.monotonic() - started)))
    comparison = ColdComparison([], [])
    for i in range(repeats):
        comparison.goldpipe.append(goldpipe_cold(home, day, f"bench-{label}-{i}"))
        comparison.duckdb.append(duckdb_cold(home, day))
        print(
            f"    run {i + 1}: goldpipe {comparison.goldpipe[-1].seconds:.1f}s, "
            f"DuckDB {comparison.duckdb[-1].seconds:.2f}s",
            flush=True,
        )
    return comparison


def print_phases(comparison: ColdComparison) -> None:
    print("    where a cold goldpipe run spends its time (medians, s):", flush=True)
    for name, seconds in comparison.phases().items():
        print(f"      {seconds:7.2f}  {name}", flush=True)
