"""One goldpipe release on the test control plane, ready for tests and benchmarks: a namespace
enforcing restricted Pod Security, a volume for the lakehouse claim, seeded silver, the Spark
Operator, the local pod runner, `helm install`, and the goldpipe controller process."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldpipe.core.contract import GOLD_TABLES
from goldpipe.core.dates import yesterday
from goldpipe.core.names import tag_name
from goldpipe.deploy.apps import SparkApp
from goldpipe.deploy.vocabulary import LABEL_CHECKS
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.lakehouse.jars import local_jars
from goldpipe.seed import seed_silver
from tests.e2e.controlplane import ROOT, ControlPlane
from tests.e2e.deployment import NAMESPACE, RELEASE, Deployment
from tests.e2e.pod_runner import PodRunner
from tests.support.processes import wait_until


@dataclass
class E2E:
    """The release under test and handles on everything around it."""

    plane: ControlPlane
    deployment: Deployment
    runner: PodRunner
    lake: Path
    days: tuple[dt.date, ...]

    def catalog(self) -> Any:
        return load_catalog(resolve_embedded(CatalogConfig(name="lake"), self.lake))

    def main_snapshot(self, job: str) -> int | None:
        """The snapshot ``main`` of the job's gold table points at (None: no table or no main yet)."""
        catalog = self.catalog()
        if not catalog.table_exists(GOLD_TABLES[job].identifier):
            return None
        table = catalog.load_table(GOLD_TABLES[job].identifier)
        ref = table.metadata.refs.get("main")
        return ref.snapshot_id if ref else None

    def run_id(self, name: str) -> str:
        """The run id the SparkApplication ``name``'s latest submission wrote under."""
        return SparkApp(self.app(name)).run_id

    def has_tag(self, job: str, name: str) -> bool:
        table = self.catalog().load_table(GOLD_TABLES[job].identifier)
        return tag_name(self.run_id(name)) in table.metadata.refs

    def app(self, name: str) -> dict[str, Any]:
        app = self.deployment.app(name)
        assert app is not None, f"SparkApplication {name} not found"
        return app

    def wait_state(self, name: str, *states: str, timeout: float = 420) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            app = self.deployment.app(name)
            state = ((app or {}).get("status") or {}).get("applicationState", {}).get("state")
            return app if state in states else None

        return wait_until(
            probe, timeout=timeout, what=f"{name} in {states}", interval=1, details=self.diagnostics
        )

    def wait_checks_label(self, name: str, timeout: float = 180) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            app = self.deployment.app(name)
            return app if app and LABEL_CHECKS in (app["metadata"].get("labels") or {}) else None

        return wait_until(
            probe,
            timeout=timeout,
            what=f"{name} labelled {LABEL_CHECKS}",
            interval=1,
            details=self.diagnostics,
        )

    def stop(self) -> None:
        self.deployment.stop()
        self.runner.stop()

    def diagnostics(self) -> str:
        """What someone debugging a timeout wants to see: states, recent logs."""
        apps = self.plane.kubectl(
            "get", "sparkapplications,pods", "-n", NAMESPACE, "-L", LABEL_CHECKS, check=False
        ).stdout
        runs = "\n".join(f"{e.pod}: exit {e.exit_code} {e.reason}" for e in self.runner.executions_of())
        return (
            f"--- objects\n{apps}\n--- pod runner\n{runs}\n--- goldpipe controller\n"
            f"{self.deployment.controller_log(30)}\n--- spark-operator\n{self.plane.logs('spark-operator')[-3000:]}"
        )


def start_environment(
    plane: ControlPlane, root: Path, *, days: int, orders_per_day: int, sets: tuple[str, ...] = ()
) -> E2E:
    """Everything of the module docstring; ``sets`` are extra ``helm --set`` values."""
    lake = root / "lake"
    plane.apply(
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
        # What a cluster without a volume provisioner needs for the embedded lakehouse: a volume
        # for the chart's claim (on this one "node", a host directory).
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": "goldpipe-e2e-lakehouse"},
            "spec": {
                "capacity": {"storage": "5Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "",
                "hostPath": {"path": str(lake), "type": "DirectoryOrCreate"},
                "claimRef": {"namespace": NAMESPACE, "name": f"{RELEASE}-lakehouse"},
            },
        },
    )
    seeded = tuple(yesterday() - dt.timedelta(days=days - 1 - i) for i in range(days))
    catalog = load_catalog(resolve_embedded(CatalogConfig(name="lake"), lake), create=True)
    seed_silver(
        catalog, days=days, end_date=seeded[-1], orders_per_day=orders_per_day, seed=11, replace=False
    )
    plane.start_spark_operator(NAMESPACE)
    from kubernetes import client, config

    runner = PodRunner(
        core=client.CoreV1Api(config.new_client_from_config(str(plane.admin_kubeconfig))),
        namespace=NAMESPACE,
        checkout=ROOT,
        jars=local_jars(),
        logs=root / "pod-runner",
    )
    runner.start()
    deployment = Deployment(plane, root, lake, sets=sets)
    try:
        deployment.install()
        deployment.start_controller()
        deployment.config.follow()
    except BaseException:
        deployment.stop()
        runner.stop()
        raise
    return E2E(plane, deployment, runner, lake, seeded)
