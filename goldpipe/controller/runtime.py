"""The controller process: a level-triggered loop, a file watch, and the HTTP endpoints.

Every pass reads the whole desired state (the mounted config) and the whole live state (the
release's ScheduledSparkApplications) and converges them, so a restart or a missed change
loses nothing: the next pass does the same work from scratch.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from goldpipe.controller.config_source import LoadedConfig, config_digest, load_config_dir
from goldpipe.controller.finished_runs import RunProcessor
from goldpipe.controller.maintenance_runs import MaintenanceProcessor
from goldpipe.controller.metrics import Metrics
from goldpipe.controller.notify import Webhook
from goldpipe.controller.schedules import (
    desired_schedules,
    execute_plan,
    owner_reference,
    plan_schedules,
    with_owner,
)
from goldpipe.controller.table_metrics import record_freshness, record_maintenance
from goldpipe.core.errors import ConfigError
from goldpipe.deploy.kube import KubeApi, KubeError
from goldpipe.deploy.render.crds import NO_CRDS, crds_dir
from goldpipe.deploy.settings import Settings
from goldpipe.deploy.vocabulary import SCHEDULED_APPS, schedules_selector
from goldpipe.lineage.emitter import LineageEmitter

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

log = logging.getLogger("goldpipe.controller")


def _catalog_of(settings: Settings) -> Catalog:
    from goldpipe.lakehouse.catalog import load_catalog

    return load_catalog(settings.catalog)


@dataclass
class Controller:
    kube: KubeApi
    config_dir: Path
    metrics: Metrics = field(default_factory=Metrics)
    catalog: Callable[[Settings], Catalog] = _catalog_of
    webhook: Webhook | None = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    last_good: LoadedConfig | None = None
    last_error: str | None = None
    ready: bool = False
    last_pass: float = field(default_factory=time.monotonic)
    runs: RunProcessor | None = None
    maintenance: MaintenanceProcessor | None = None

    def __post_init__(self) -> None:
        lineage = LineageEmitter(count=lambda result: self.metrics.lineage_events.labels(result=result).inc())
        self.runs = RunProcessor(
            kube=self.kube,
            settings=lambda: self.last_good.settings if self.last_good else None,
            catalog=self.catalog,
            metrics=self.metrics,
            webhook=self.webhook,
            clock=self.clock,
            lineage=lineage,
        )
        self.maintenance = MaintenanceProcessor(
            kube=self.kube,
            settings=self.runs.settings,
            catalog=self.catalog,
            metrics=self.metrics,
            webhook=self.webhook,
        )

    def reconcile_runs(self) -> None:
        """Check, publish and post every finished run that has no result yet, and report every
        finished maintenance run not reported yet."""
        if self.runs is None or self.maintenance is None or self.last_good is None:
            return
        try:
            self.runs.reconcile()
        except KubeError as exc:
            log.error("listing runs failed: %s", exc)
        try:
            self.maintenance.reconcile()
        except KubeError as exc:
            log.error("reporting maintenance runs failed: %s", exc)

    def reconcile_once(self) -> None:
        """One level-triggered pass. Never raises for expected failures: it logs and reports them."""
        started = time.monotonic()
        self.last_pass = started
        try:
            config = self._current_config()
            if config is not None:
                self._reconcile_schedules(config)
                self.refresh_tables(config.settings)
            self.metrics.reconciles.labels(result="ok").inc()
            self.metrics.last_success.set_to_current_time()
            self.ready = True
        except KubeError as exc:
            self.metrics.reconciles.labels(result="api_error").inc()
            log.error("reconcile failed: %s", exc)
            self.ready = False
        finally:
            self.metrics.reconcile_seconds.observe(time.monotonic() - started)

    def refresh_tables(self, settings: Settings) -> None:
        """The freshness and maintenance gauges of the tables, from the catalog (a failure is
        counted and logged: the schedules are reconciled all the same)."""
        try:
            catalog = self.catalog(settings)
        except Exception as exc:  # an unreachable catalog is the audit's problem to report
            self.metrics.table_stats_errors.inc()
            log.warning("cannot open the catalog for the freshness gauges: %s", exc)
            return
        record_freshness(catalog, self.metrics)
        record_maintenance(catalog, self.metrics)

    def _current_config(self) -> LoadedConfig | None:
        """The mounted config if valid; else a Warning (once per bad version) and the last good one."""
        try:
            config = load_config_dir(self.config_dir)
        except ConfigError as exc:
            self.metrics.config_valid.set(0)
            message = str(exc)
            if message != self.last_error:
                self.last_error = message
                log.error("invalid configuration, keeping the last good schedules: %s", message)
                self._warn_on_configmap(message)
            return self.last_good
        self.metrics.config_valid.set(1)
        if self.last_error is not None:
            log.info("configuration is valid again")
        self.last_error = None
        self.last_good = config
        return config

    def _warn_on_configmap(self, message: str) -> None:
        if self.last_good is None:
            return  # no release facts yet: the log line is all we can give
        name = self.last_good.settings.release.config_map_name
        try:
            configmap = self.kube.get_configmap(name)
            self.kube.create_event(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": configmap["metadata"]},
                type_="Warning",
                reason="InvalidConfig",
                message=f"goldpipe keeps the last good schedules: {message}",
            )
        except KubeError as exc:
            log.error("cannot post the InvalidConfig event: %s", exc)

    def _reconcile_schedules(self, config: LoadedConfig) -> None:
        release = config.settings.release
        try:
            rendered = desired_schedules(config.settings, config.templates)
        except ConfigError as exc:
            # Rendering problems are config problems: same treatment as an invalid file.
            self.metrics.config_valid.set(0)
            if str(exc) != self.last_error:
                self.last_error = str(exc)
                log.error("cannot render the schedules, keeping the live ones: %s", exc)
                self._warn_on_configmap(str(exc))
            return
        owner = owner_reference(self.kube.get_configmap(release.config_map_name))
        desired = [with_owner(doc, owner) for doc in rendered]
        live = self.kube.list_objects(SCHEDULED_APPS, schedules_selector(release.name))
        plan = plan_schedules(desired, live)
        execute_plan(self.kube, plan)
        self.metrics.schedule_writes.labels(action="apply").inc(len(plan.apply))
        self.metrics.schedule_writes.labels(action="delete").inc(len(plan.delete))
        self.metrics.schedules.set(len(desired))
        if plan.apply or plan.delete:
            log.info(
                "schedules reconciled",
                extra={"applied": [d["metadata"]["name"] for d in plan.apply], "deleted": plan.delete},
            )

    def healthy(self, resync_seconds: float) -> bool:
        return time.monotonic() - self.last_pass < max(3 * resync_seconds, 60)


def run_forever(
    controller: Controller,
    *,
    resync_seconds: float,
    port: int,
    host: str = "0.0.0.0",
    poll_seconds: float = 2.0,
    stop: threading.Event | None = None,
) -> None:
    """Reconcile the schedules now, then on every config change and every ``resync_seconds``;
    look at the runs every ``poll_seconds`` (finished runs get checked and published, finished
    maintenance runs reported)."""
    server = serve_http(controller, port, resync_seconds, host)
    log.info("controller started", extra={"config_dir": str(controller.config_dir), "port": port})
    if crds_dir() is None:
        log.warning("schedules are %s; the API server still validates them", NO_CRDS)
    stop = stop or threading.Event()
    seen = ""
    next_resync = 0.0
    try:
        while not stop.is_set():
            try:
                digest = config_digest(controller.config_dir)
            except OSError:
                digest = ""
            now = time.monotonic()
            if digest != seen or now >= next_resync:
                if digest != seen and seen:
                    log.info("configuration changed")
                seen = digest
                controller.reconcile_once()
                next_resync = time.monotonic() + resync_seconds
            controller.reconcile_runs()
            controller.last_pass = time.monotonic()
            stop.wait(poll_seconds)
    finally:
        server.shutdown()


def serve_http(
    controller: Controller, port: int, resync_seconds: float, host: str = "0.0.0.0"
) -> ThreadingHTTPServer:
    """Probes and scrapes come from outside the pod (kubelet, Prometheus): all interfaces by default."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                self._send(200 if controller.healthy(resync_seconds) else 503, b"ok\n")
            elif self.path == "/readyz":
                self._send(
                    200 if controller.ready else 503, b"ready\n" if controller.ready else b"not ready\n"
                )
            elif self.path == "/metrics":
                self._send(200, generate_latest(controller.metrics.registry), CONTENT_TYPE_LATEST)
            else:
                self._send(404, b"not found\n")

        def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # probes every few seconds would drown the log

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server
