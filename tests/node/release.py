"""goldpipe installed on the real node (``localcluster``): the chart with the Spark Operator
subchart, helm, the goldpipe CLI and kubectl as a user runs them, and what a test reads back:
SparkApplications, pods, Events, driver logs, Spark's event logs and the lakehouse.

The lakehouse claim is bound to one PersistentVolume of the node and mounted by every pod at that
volume's host directory (``lakehouse.embedded.mountPath``), so the catalog's absolute paths hold
inside the pods and here: the tests read gold with pyiceberg as it was written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from goldpipe.core.contract import GOLD_TABLES
from goldpipe.deploy.vocabulary import EVENT_COMPONENT, LABEL_CHECKS
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from localcluster.cluster import Cluster
from localcluster.layout import ROOT, TOOLS_BIN
from tests.support.processes import wait_until

RELEASE = "goldpipe"
NAMESPACE = "analytics"
VOLUME = "goldpipe-node-pv-0"
CLAIM = "lakehouse"
GOLDPIPE = Path(sys.executable).with_name("goldpipe")
VALUES = (ROOT / "docs" / "values-local-cluster.yaml", Path(__file__).with_name("values-node.yaml"))
TERMINAL = ("COMPLETED", "FAILED", "SUBMISSION_FAILED")


@dataclass
class Release:
    cluster: Cluster
    work: Path
    lake: Path = field(init=False)
    chart: Path = field(init=False)

    def __post_init__(self) -> None:
        self.lake = self.cluster.layout.volumes / "pv-0"
        self.chart = self.work / "chart"

    # -- tools --------------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.cluster.layout.kubeconfig)}

    def kubectl(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        proc = self.cluster.kubectl(*args, stdin=stdin, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed:\n{proc.stderr}")
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def helm(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        home = self.work / "helm-home"
        env = {
            **self.env(),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_DATA_HOME": str(home / "data"),
        }
        proc = subprocess.run(
            [str(TOOLS_BIN / "helm"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed:\n{proc.stderr}")
        return proc

    def goldpipe(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """``goldpipe ARGS`` on this machine, as a user with the admin kubeconfig."""
        return subprocess.run(
            [str(GOLDPIPE), *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    # -- install ------------------------------------------------------------------------------------
    def values_args(self, *sets: str) -> list[str]:
        args = [a for values in VALUES for a in ("-f", str(values))]
        args += [
            "--set",
            f"lakehouse.embedded.mountPath={self.lake}",
            "--set",
            f"lakehouse.embedded.existingClaim={CLAIM}",
        ]
        args += ["--set", f"spark.sparkConf.spark\\.eventLog\\.dir=file://{self.lake}/spark-events"]
        for value in sets:
            args += ["--set", value]
        return args

    def install(self) -> None:
        """The chart (a copy, with the pinned operator chart vendored) into a namespace enforcing
        restricted Pod Security, the lakehouse claim bound to the node's first volume."""
        self.chart.mkdir(parents=True)
        for name in ("Chart.yaml", "values.yaml", "values.schema.json", ".helmignore", "README.md"):
            shutil.copy(ROOT / name, self.chart / name)
        for name in ("templates", "manifests", "charts"):
            shutil.copytree(ROOT / name, self.chart / name)
        subprocess.run(
            [str(ROOT / "scripts" / "vendor-spark-operator.sh"), str(self.chart)],
            check=True,
            capture_output=True,
        )
        self.kubectl("apply", "-f", "-", stdin=yaml.safe_dump_all([
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": NAMESPACE,
                    "labels": {
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": CLAIM, "namespace": NAMESPACE},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": "",
                    "volumeName": VOLUME,
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
        ]))  # fmt: skip
        # Spark's event logs (executors added, tasks ended), on the lakehouse volume.
        (self.lake / "spark-events").mkdir(exist_ok=True)
        os.chown(self.lake / "spark-events", 185, 185)
        self.helm(
            "install",
            RELEASE,
            str(self.chart),
            "-n",
            NAMESPACE,
            *self.values_args(),
            "--wait",
            "--timeout",
            "180s",
        )

    def upgrade(self, *sets: str) -> None:
        self.helm(
            "upgrade",
            RELEASE,
            str(self.chart),
            "-n",
            NAMESPACE,
            *self.values_args(*sets),
            "--wait",
            "--timeout",
            "180s",
        )

    def seed(self, *args: str) -> str:
        proc = subprocess.run(
            [str(ROOT / "scripts" / "seed-cluster.sh"), *args],
            env={**self.env(), "GOLDPIPE_NAMESPACE": NAMESPACE, "GOLDPIPE_RELEASE": RELEASE},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    # -- runs ---------------------------------------------------------------------------------------
    def app(self, name: str) -> dict[str, Any] | None:
        proc = self.kubectl("get", "sparkapplication", name, "-n", NAMESPACE, "-o", "json", check=False)
        return json.loads(proc.stdout) if proc.returncode == 0 else None

    def state(self, name: str) -> str | None:
        app = self.app(name) or {}
        state = (app.get("status") or {}).get("applicationState", {}).get("state")
        return str(state) if state else None

    def wait_state(self, name: str, *states: str, timeout: float = 600) -> dict[str, Any]:
        return wait_until(
            lambda: self.app(name) if self.state(name) in states else None,
            timeout=timeout,
            what=f"{name} in {states}",
            details=self.diagnostics,
        )

    def wait_checks_label(self, name: str, timeout: float = 180) -> str:
        def label() -> str | None:
            return ((self.app(name) or {}).get("metadata", {}).get("labels") or {}).get(LABEL_CHECKS)

        return wait_until(
            label, timeout=timeout, what=f"{name} labelled {LABEL_CHECKS}", details=self.diagnostics
        )

    def pods(self, selector: str) -> list[dict[str, Any]]:
        return list(self.json("get", "pods", "-n", NAMESPACE, "-l", selector)["items"])

    def executors(self, app: str) -> list[dict[str, Any]]:
        return self.pods(f"sparkoperator.k8s.io/app-name={app},spark-role=executor")

    def driver_log(self, app: str) -> str:
        return self.kubectl("logs", "-n", NAMESPACE, f"{app}-driver").stdout

    def events(self, name: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.json("get", "events", "-n", NAMESPACE)["items"]
            if e["involvedObject"].get("name") == name
            and e.get("source", {}).get("component") == EVENT_COMPONENT
        ]

    def spark_events(self, app: str) -> list[dict[str, Any]]:
        """The Spark event log of ``app``'s run: Spark 4 rolls it, eventlog_v2_<application
        id>/events_<n>_<application id>[.inprogress]."""
        selector = self.app(app)["status"]["sparkApplicationId"]  # type: ignore[index]
        files = sorted(
            (self.lake / "spark-events" / f"eventlog_v2_{selector}").glob("events_*"),
            key=lambda f: int(f.name.split("_")[1]),
        )
        assert files, f"no event log of {app} ({selector})"
        return [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]

    def watch_executors(
        self, app: str, until: Callable[[], bool], timeout: float = 600
    ) -> dict[str, dict[str, Any]]:
        """Every executor pod of ``app`` seen while waiting for ``until`` (executors are deleted
        when the run ends): name -> the pod as last seen."""
        seen: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout
        while not until():
            for pod in self.executors(app):
                seen[pod["metadata"]["name"]] = pod
            assert time.monotonic() < deadline, (
                f"{app}: not finished within {timeout:.0f}s\n{self.diagnostics()}"
            )
            time.sleep(1)
        return seen

    # -- the lakehouse ------------------------------------------------------------------------------
    def catalog(self) -> Any:
        return load_catalog(resolve_embedded(CatalogConfig(name="lake"), self.lake))

    def main_snapshot(self, job: str) -> int | None:
        catalog = self.catalog()
        if not catalog.table_exists(GOLD_TABLES[job].identifier):
            return None
        ref = catalog.load_table(GOLD_TABLES[job].identifier).metadata.refs.get("main")
        return ref.snapshot_id if ref else None

    def diagnostics(self) -> str:
        objects = self.kubectl(
            "get", "sparkapplications,pods", "-n", NAMESPACE, "-o", "wide", "-L", LABEL_CHECKS, check=False
        )
        controller = self.kubectl(
            "logs", "-n", NAMESPACE, f"deployment/{RELEASE}-controller", "--tail=20", check=False
        )
        return f"--- objects\n{objects.stdout}\n--- controller\n{controller.stdout[-3000:]}"


def one_off_run(job: str, day: dt.date) -> str:
    """The SparkApplication `goldpipe run` makes for ``job`` on ``day``."""
    return f"{RELEASE}-{job.replace('_', '-')}-{day:%Y%m%d}"


def container_ids(pod: dict[str, Any]) -> list[str]:
    return [s.get("containerID", "") for s in (pod.get("status") or {}).get("containerStatuses", [])]
