"""The benchmark scripts run (at toy scale) and print their ratios: no timing is asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from goldpipe.core.contract import JOB_NAMES

ROOT = Path(__file__).resolve().parents[2]


def run(script: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.spark
@pytest.mark.slow
def test_engine_and_history_benchmark_runs(spark):  # the fixture fails or skips when Spark cannot run
    figures = run("run.py")
    assert set(figures) == {"history_ratio", "cold_large_ratio", "cold_small_ratio", "warm_ratio"}
    assert all(v > 0 for v in figures.values())


def test_checks_benchmark_runs():
    figures = run("checks.py")
    assert set(figures) == {"metadata_ratio", "latency_median_s"}
    assert all(v > 0 for v in figures.values())


def test_control_plane_benchmark_runs():
    from tests.conftest import require
    from tests.e2e.controlplane import missing_binaries

    missing = missing_binaries()
    require("e2e", not missing, f"missing {', '.join(missing)}: run scripts/install-tools.sh")
    figures = run("controlplane.py")
    assert set(figures) == {"latency_median_s", "latency_max_s"}
    assert 0 < figures["latency_median_s"] <= figures["latency_max_s"]


@pytest.mark.spark
def test_the_data_phase_profile_labels_every_step_from_the_event_log(spark):
    """Each step of a day (the silver of every input, every gold job) is found in Spark's event
    log under its own label, with the stages it ran: the per-job table is built from these."""
    steps = run("dataphase.py")
    assert list(steps) == [
        *(f"silver {t}" for t in ("orders", "order_items", "events", "customers", "products")),
        *(f"job {j}" for j in JOB_NAMES),
    ]
    assert all(step["stages"] > 0 and step["cpu_s"] > 0 for step in steps.values())
    assert steps["silver events"]["shuffle_bytes"] > 0


def test_seasonality_benchmark_runs():
    """Four toy weeks: the old volume check flags the weekend dip, the new checks compare the
    last week only (three earlier same weekdays) and catch each kind of incident there."""
    figures = run("seasonality.py")
    assert set(figures) == {"old volume", "new volume", "new drift", "new (volume or drift)"}
    old, new = figures["old volume"], figures["new (volume or drift)"]
    # Every weekend day after the first five days is a false alarm of the 50 % trailing median.
    assert old["false_alarms_at_weekends"] >= 6
    assert new["incidents_compared"] == 3 and new["caught"] == 3


def test_the_goal_table_puts_each_figure_beside_its_goal():
    from benchmarks.goals import goal_table

    header, large, history = goal_table({"cold_large_ratio": 6.6, "history_ratio": 1.1})
    assert header.split()[-3:] == ["measured", "goal", "met"]
    assert large.startswith("(b) cold, ~1M events") and large.split()[-3:] == ["<=", "6", "NO"]
    assert history.split()[-4:] == ["1.10", "<=", "1.3", "yes"]


def test_the_node_benchmark_reads_a_runs_times_from_its_event_log():
    from benchmarks.node import from_event_log

    def task(run_ms: int, cpu_ns: int) -> dict[str, object]:
        return {
            "Event": "SparkListenerTaskEnd",
            "Task Metrics": {"Executor Run Time": run_ms, "Executor CPU Time": cpu_ns},
        }

    events = [
        {"Event": "SparkListenerApplicationStart", "Timestamp": 1_000},
        {"Event": "SparkListenerJobStart", "Submission Time": 4_000},
        task(1_500, 1_000_000_000),
        {"Event": "SparkListenerJobEnd", "Completion Time": 9_000},
        {"Event": "SparkListenerJobStart", "Submission Time": 9_500},
        task(2_500, 500_000_000),
        {"Event": "SparkListenerJobEnd", "Completion Time": 12_000},
        {"Event": "SparkListenerApplicationEnd", "Timestamp": 13_000},
    ]
    assert from_event_log(events) == {"application_s": 12.0, "data_phase_s": 8.0, "task_s": 4.0, "cpu_s": 1.5}
