"""Spark's event log, summed per job description: stages, tasks, rows, bytes, and operator time.

Each Spark job carries the description its thread set (``SparkContext.setJobDescription``);
a stage's task metrics are summed into its job's step, and the SQL metrics of the query plans
(timers per operator: scan, sort, aggregation build, shuffle write, whole-stage code) are
attributed to their operator by accumulator id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# SQL metric types whose values are durations, and their unit in milliseconds.
_TIMING = {"timing": 1.0, "nsTiming": 1e-6}


@dataclass
class Step:
    stages: int = 0
    tasks: int = 0
    run_ms: float = 0.0
    cpu_ms: float = 0.0
    rows_in: int = 0
    bytes_in: int = 0
    shuffle_write_bytes: int = 0
    spill_bytes: int = 0
    operator_ms: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def top_operators(self, n: int) -> list[tuple[str, float]]:
        ranked = sorted(self.operator_ms.items(), key=lambda kv: -kv[1])[:n]
        return [(name, ms / 1000) for name, ms in ranked]


def _plan_metrics(node: dict[str, Any], into: dict[int, tuple[str, float]]) -> None:
    """accumulator id -> (``operator: metric``, ms per unit) for every timing metric of the plan."""
    for metric in node.get("metrics", []):
        unit = _TIMING.get(metric.get("metricType", ""))
        if unit is not None:
            into[int(metric["accumulatorId"])] = (f"{node['nodeName']}: {metric['name']}", unit)
    for child in node.get("children", []):
        _plan_metrics(child, into)


def event_files(log_dir: Path) -> list[Path]:
    """The event files under ``log_dir`` in order: Spark 4 rolls its log into ``events_<n>_<app>``."""
    files = [p for p in log_dir.rglob("events_*") if p.is_file()]
    return sorted(files, key=lambda p: (p.parent, int(p.name.split("_")[1])))


def read_event_log(log_dir: Path) -> dict[str, Step]:
    """Every application's events under ``log_dir``, summed per job description."""
    timers: dict[int, tuple[str, float]] = {}
    stage_step: dict[int, str] = {}
    steps: dict[str, Step] = defaultdict(Step)
    for path in event_files(log_dir):
        for line in path.read_text().splitlines():
            event = json.loads(line)
            kind = event["Event"]
            if kind.endswith("SQLExecutionStart") or kind.endswith("SQLAdaptiveExecutionUpdate"):
                _plan_metrics(event["sparkPlanInfo"], timers)
            elif kind == "SparkListenerJobStart":
                label = (event.get("Properties") or {}).get("spark.job.description") or "(unlabelled)"
                for stage in event["Stage IDs"]:
                    stage_step[stage] = label
            elif kind == "SparkListenerStageCompleted":
                info = event["Stage Info"]
                step = steps[stage_step.get(info["Stage ID"], "(unlabelled)")]
                step.stages += 1
                step.tasks += info["Number of Tasks"]
                for acc in info.get("Accumulables", []):
                    _add(step, acc, timers)
    return dict(steps)


def _add(step: Step, acc: dict[str, Any], timers: dict[int, tuple[str, float]]) -> None:
    name, value = acc.get("Name", ""), acc.get("Value")
    if not isinstance(value, (int, str)) or not str(value).lstrip("-").isdigit():
        return
    number = int(value)
    if name == "internal.metrics.executorRunTime":
        step.run_ms += number
    elif name == "internal.metrics.executorCpuTime":
        step.cpu_ms += number / 1e6
    elif name == "internal.metrics.input.recordsRead":
        step.rows_in += number
    elif name == "internal.metrics.input.bytesRead":
        step.bytes_in += number
    elif name == "internal.metrics.shuffle.write.bytesWritten":
        step.shuffle_write_bytes += number
    elif name == "internal.metrics.diskBytesSpilled":
        step.spill_bytes += number
    elif int(acc["ID"]) in timers:
        operator, unit = timers[int(acc["ID"])]
        step.operator_ms[operator] += number * unit
