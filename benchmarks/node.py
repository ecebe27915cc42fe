"""A large day on the real node (issue 18, deliverable 5): one executor vs two, with and without
native execution (Apache DataFusion Comet), one SparkApplication per configuration.

Brings up the single-node cluster of ``localcluster`` (as ``make node`` does: needs root, the
tools and the image archives), installs the chart as the node tier does, seeds one day of
``--orders`` orders into the lakehouse claim, then for each configuration ``helm upgrade``s
``defaults.executor.instances`` and ``spark.nativeExecution`` and runs ``goldpipe run JOB --date D
--replace --wait`` as a user does, waiting for the controller's audit before the next. Per run:
the wall time on this machine (created -> COMPLETED, including pod start), and from the run's
Spark event log the application's own time, its data phase (first job submitted -> last job
ended) and the executors' summed task and CPU time. Configurations run interleaved, ``--repeats``
rounds. The cluster is stopped on the way out, also on failure.

    python benchmarks/node.py [--orders 100000] [--job daily_customer_analytics] [--repeats 1]
                               [--memory 2g] [--controller-memory 2Gi] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from localcluster.cluster import Cluster
from localcluster.images import GOLDPIPE_IMAGES
from localcluster.layout import IMAGES_CACHE, Layout, missing_binaries
from tests.node.release import NAMESPACE, Release, one_off_run

DAY = dt.date(2026, 11, 20)
# (executors, native execution) in the order each round runs them.
CONFIGURATIONS = ((1, False), (2, False), (1, True), (2, True))


@dataclass
class NodeRun:
    executors: int
    native: bool
    wall_s: float
    application_s: float
    data_phase_s: float
    task_s: float
    cpu_s: float
    executors_added: int


def from_event_log(events: list[dict[str, Any]]) -> dict[str, float]:
    """The application's time, its data phase and the executors' task time, in seconds."""

    def times(kind: str, key: str) -> list[int]:
        return [int(e[key]) for e in events if e["Event"] == kind and key in e]

    started = times("SparkListenerApplicationStart", "Timestamp")
    ended = times("SparkListenerApplicationEnd", "Timestamp")
    submitted = [int(e["Submission Time"]) for e in events if e["Event"] == "SparkListenerJobStart"]
    completed = [int(e["Completion Time"]) for e in events if e["Event"] == "SparkListenerJobEnd"]
    metrics = [e.get("Task Metrics") or {} for e in events if e["Event"] == "SparkListenerTaskEnd"]
    return {
        "application_s": (max(ended) - min(started)) / 1000 if started and ended else float("nan"),
        "data_phase_s": (max(completed) - min(submitted)) / 1000 if submitted else float("nan"),
        "task_s": sum(int(m.get("Executor Run Time", 0)) for m in metrics) / 1000,
        "cpu_s": sum(int(m.get("Executor CPU Time", 0)) for m in metrics) / 1e9,
    }


def run_once(release: Release, job: str, executors: int, native: bool, args: argparse.Namespace) -> NodeRun:
    release.upgrade(
        f"defaults.executor.instances={executors}",
        f"spark.nativeExecution={'true' if native else 'false'}",
        f"defaults.driver.memory={args.memory}",
        f"defaults.executor.memory={args.memory}",
        # The audit's DuckDB reconciliation reads the day's silver in the controller's process.
        f"controller.resources.limits.memory={args.controller_memory}",
    )
    name = one_off_run(job, DAY)
    started = time.monotonic()
    done = release.goldpipe(
        "run", job, "--date", DAY.isoformat(), "-n", NAMESPACE, "--replace", "--wait", "--poll-seconds", "1"
    )
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"goldpipe run failed:\n{done.stdout}{done.stderr}\n{release.diagnostics()}")
    label = release.wait_checks_label(name, timeout=900)  # the audit, before the next run loads the node
    events = release.spark_events(name)
    added = sum(1 for e in events if e["Event"] == "SparkListenerExecutorAdded")
    print(f"    checks {label}", flush=True)
    return NodeRun(executors, native, wall, executors_added=added, **from_event_log(events))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--orders", type=int, default=100_000, help="orders of the seeded day (~10 events each)"
    )
    parser.add_argument("--job", default="daily_customer_analytics", help="the gold job each run runs")
    parser.add_argument("--memory", default="2g", help="the driver's and each executor's memory in every run")
    parser.add_argument(
        "--controller-memory", default="2Gi", help="the controller's memory limit (it audits the day)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="rounds of the four configurations")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    missing = missing_binaries()
    archives = [IMAGES_CACHE / f"{name}.oci.tar" for name in GOLDPIPE_IMAGES]
    if missing or not all(a.exists() for a in archives):
        print(
            f"needs make tools and make images first (missing: {missing or 'image archives'})",
            file=sys.stderr,
        )
        return 2
    results: list[NodeRun] = []
    with tempfile.TemporaryDirectory(prefix="goldpipe-node-bench-") as tmp:
        cluster = Cluster.at(Layout(Path(tmp) / "cluster"), die_with_parent=True)
        try:
            print("cluster up ...", flush=True)
            cluster.up()
            release = Release(cluster, Path(tmp) / "release")
            release.install()
            print(f"seeding {args.orders:,} orders on {DAY} ...", flush=True)
            started = time.monotonic()
            release.seed("--days", "1", "--end-date", DAY.isoformat(), "--orders-per-day", str(args.orders))
            print(f"  seeded in {time.monotonic() - started:.0f}s", flush=True)
            for round_no in range(args.repeats):
                for executors, native in CONFIGURATIONS:
                    print(f"round {round_no + 1}: {executors} executor(s), native {native} ...", flush=True)
                    run = run_once(release, args.job, executors, native, args)
                    results.append(run)
                    print(
                        f"    wall {run.wall_s:.1f}s, application {run.application_s:.1f}s, data phase "
                        f"{run.data_phase_s:.1f}s, task {run.task_s:.1f}s, CPU {run.cpu_s:.1f}s, "
                        f"{run.executors_added} executor(s) added",
                        flush=True,
                    )
            pods = release.json(
                "get",
                "pods",
                "-n",
                NAMESPACE,
                "-l",
                "app.kubernetes.io/name=goldpipe,app.kubernetes.io/component=controller",
            )
            for pod in pods["items"]:
                # The container's own cgroup: its peak memory since it started (cgroup v2).
                peak = release.kubectl(
                    "exec", "-n", NAMESPACE, pod["metadata"]["name"], "--",
                    "cat", "/sys/fs/cgroup/memory.peak", check=False,
                )  # fmt: skip
                for status in pod["status"].get("containerStatuses", []):
                    last = (status.get("lastState") or {}).get("terminated") or {}
                    print(
                        f"controller {pod['metadata']['name']}: {status['restartCount']} restart(s)"
                        + (f", last ended {last.get('reason')}" if last else "")
                        + (
                            f", peak memory {int(peak.stdout) / 2**20:.0f} MiB"
                            if peak.returncode == 0 and peak.stdout.strip().isdigit()
                            else ""
                        ),
                        flush=True,
                    )
        finally:
            cluster.down()
    print(f"{'executors':>9}  {'native':>6}  {'wall s':>7}  {'app s':>7}  {'data s':>7}  {'task s':>7}")
    for executors, native in CONFIGURATIONS:
        runs = [r for r in results if (r.executors, r.native) == (executors, native)]
        print(
            f"{executors:>9}  {'on' if native else 'off':>6}  "
            + "  ".join(
                f"{statistics.median(getattr(r, key) for r in runs):>7.1f}"
                for key in ("wall_s", "application_s", "data_phase_s", "task_s")
            ),
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
