"""Finished runs as the controller meets them, for its tests: a SparkApplication of the schedule
``nightly`` as the Spark Operator leaves it in a FakeKube, and a RunProcessor with the chart's
default settings over a test lakehouse, at the lakehouse's fixed ``NOW``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

from goldpipe.controller.finished_runs import RunProcessor
from goldpipe.controller.metrics import Metrics
from goldpipe.controller.notify import Webhook
from goldpipe.deploy.settings import Settings
from goldpipe.deploy.vocabulary import SPARK_APPS
from tests.fakes.kube import FakeKube
from tests.goldpipe.conftest import NOW
from tests.support.pipeline_settings import settings_for

JOBS = "daily_sales_summary,daily_customer_analytics,product_performance_analytics,rejected_rows"


class Killed(BaseException):
    """The controller process dies here (not an exception any handler catches)."""


class Lake(Protocol):
    """What the processor needs of a test lakehouse (tests.goldpipe.conftest.GoldLake)."""

    @property
    def catalog(self) -> Any: ...


def settings() -> Settings:
    """The chart's defaults, release ``goldpipe`` in ``analytics``."""
    return settings_for()


def add_run(kube: FakeKube, name: str, state: str = "COMPLETED", **status: Any) -> None:
    kube.objects.setdefault(SPARK_APPS, {})[name] = {
        "apiVersion": "sparkoperator.k8s.io/v1beta2",
        "kind": "SparkApplication",
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "creationTimestamp": "2026-11-21T02:00:00Z",
            "labels": {
                "app.kubernetes.io/instance": "goldpipe",
                "app.kubernetes.io/component": "gold-job",
                "goldpipe.io/schedule": "nightly",
            },
        },
        "spec": {"arguments": ["--jobs", JOBS, "--date", "auto", "--no-publish"]},
        "status": {
            "applicationState": {"state": state},
            "lastSubmissionAttemptTime": "2026-11-21T02:00:05Z",
            "terminationTime": "2026-11-21T02:20:00Z",
            **status,
        },
    }


def add_maintenance_run(kube: FakeKube, name: str, state: str = "COMPLETED", **status: Any) -> None:
    """A run of the maintenance schedule: a gold run's shape with the maintenance component."""
    add_run(kube, name, state, **status)
    app = kube.objects[SPARK_APPS][name]
    app["metadata"]["labels"].update(
        {"app.kubernetes.io/component": "table-maintenance", "goldpipe.io/schedule": "maintenance"}
    )
    app["spec"] = {"arguments": []}


def processor(
    kube: FakeKube, lake: Lake, webhook: Webhook | None = None, clock: Callable[[], dt.datetime] = lambda: NOW
) -> RunProcessor:
    config = settings()
    return RunProcessor(
        kube=kube,
        settings=lambda: config,
        catalog=lambda _: lake.catalog,
        metrics=Metrics(),
        webhook=webhook,
        clock=clock,
    )


def app(kube: FakeKube, name: str) -> dict[str, Any]:
    return kube.objects[SPARK_APPS][name]
