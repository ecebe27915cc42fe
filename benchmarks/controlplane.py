"""Benchmark (e) on a real API server: from a run reaching COMPLETED to its results posted.

The control plane of the end-to-end tier (tests/e2e: etcd, kube-apiserver, controller-manager,
scheduler, a kwok node, the Spark Operator, the local pod runner) runs one-off gold runs of
``rejected_rows`` through `goldpipe run`; the goldpipe controller, a separate process with the
chart's ServiceAccount identity, polls every ``controller.runPollSeconds`` (2 s, the chart's
default) and audits, publishes and labels each run. A watch on the SparkApplications records,
to the millisecond, when each one became COMPLETED and when its ``goldpipe.io/checks`` label
appeared. Needs the tools of `scripts/install-tools.sh`.

    python benchmarks/controlplane.py [--runs N] [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from goldpipe.deploy.apps import LABEL_CHECKS  # noqa: E402
from tests.e2e.controlplane import ControlPlane, missing_binaries  # noqa: E402
from tests.e2e.deployment import NAMESPACE, one_off_run  # noqa: E402
from tests.e2e.environment import E2E, start_environment  # noqa: E402

JOB = "rejected_rows"


class Stopwatch:
    """Watches the namespace's SparkApplications; notes when each got COMPLETED and its label."""

    def __init__(self, plane: ControlPlane) -> None:
        from kubernetes import client, config

        self.api = client.CustomObjectsApi(config.new_client_from_config(str(plane.admin_kubeconfig)))
        self.completed: dict[str, float] = {}
        self.posted: dict[str, float] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        from kubernetes import watch

        while not self._stop.is_set():
            stream = watch.Watch().stream(
                self.api.list_namespaced_custom_object,
                "sparkoperator.k8s.io",
                "v1beta2",
                NAMESPACE,
                "sparkapplications",
                timeout_seconds=30,
            )
            try:
                for event in stream:
                    self._see(event["object"], time.perf_counter())
                    if self._stop.is_set():
                        return
            except Exception:  # the API server going away at the end, or a dropped watch
                if self._stop.is_set():
                    return
                time.sleep(0.2)

    def _see(self, app: dict[str, Any], now: float) -> None:
        name = app["metadata"]["name"]
        state = ((app.get("status") or {}).get("applicationState") or {}).get("state")
        if state == "COMPLETED":
            self.completed.setdefault(name, now)
        if LABEL_CHECKS in (app["metadata"].get("labels") or {}):
            self.posted.setdefault(name, now)

    def wait_posted(self, name: str, timeout: float = 600) -> float:
        deadline = time.monotonic() + timeout
        while name not in self.posted or name not in self.completed:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} was not posted within {timeout:.0f}s")
            time.sleep(0.05)
        return self.posted[name] - self.completed[name]

    def stop(self) -> None:
        self._stop.set()


def measure(environment: E2E, runs: int) -> list[float]:
    watch = Stopwatch(environment.plane)
    samples = []
    try:
        for day in environment.days[:runs]:
            proc = environment.deployment.goldpipe(
                "run", JOB, "--date", day.isoformat(), "-n", NAMESPACE, "--wait", "--poll-seconds", "1"
            )
            if proc.returncode != 0:
                raise RuntimeError(f"goldpipe run failed:\n{proc.stdout}{proc.stderr}")
            name = one_off_run(JOB, day)
            samples.append(watch.wait_posted(name))
            print(f"    {name}: posted {samples[-1]:.2f}s after COMPLETED", flush=True)
    finally:
        watch.stop()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one run: checks the script works")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    missing = missing_binaries()
    if missing:
        print(f"error: missing {', '.join(missing)}: run scripts/install-tools.sh", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="goldpipe-bench-cp-") as tmp:
        print("(e) starting the control plane and installing goldpipe ...", flush=True)
        plane = ControlPlane.start(Path(tmp) / "control-plane")
        try:
            environment = start_environment(
                plane,
                Path(tmp) / "goldpipe",
                days=runs,
                orders_per_day=60,
                sets=("controller.runPollSeconds=2",),
            )
            try:
                print(
                    f"(e) COMPLETED -> posted on the real API server, {runs} run(s), polling every 2 s",
                    flush=True,
                )
                samples = measure(environment, runs)
            finally:
                environment.stop()
        finally:
            plane.stop()
    median, worst = statistics.median(samples), max(samples)
    print(f"    median {median:.2f}s, max {worst:.2f}s over {len(samples)} runs (goal <= 5 s)")
    if args.json:
        args.json.write_text(json.dumps({"latency_s": samples, "poll_seconds": 2}, indent=2))
    print(json.dumps({"latency_median_s": round(median, 3), "latency_max_s": round(worst, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
