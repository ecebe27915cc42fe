"""A real Prometheus for the tests (Debian's package, scripts/install-packages.sh monitoring): it scrapes
targets on 127.0.0.1, evaluates rule files, listens on 127.0.0.1 only, keeps its data in a
temporary directory and is stopped by pid when its ``with`` block ends, also when a test failed.
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.processes import Supervisor, free_port, listening_addresses, log_tail, wait_until

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Target:
    """A scrape job: ``job`` is its job label, ``address`` host:port on loopback, ``labels`` more
    target labels (what a ServiceMonitor would add, such as ``namespace``)."""

    job: str
    address: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Prometheus:
    url: str
    pid: int

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def alerts(self) -> list[dict[str, Any]]:
        """What ``/api/v1/alerts`` reports: pending and firing alerts with labels and annotations."""
        alerts: list[dict[str, Any]] = self.get("/api/v1/alerts")["alerts"]
        return alerts

    def firing(self, name: str) -> list[dict[str, Any]]:
        return [a for a in self.alerts() if a["labels"]["alertname"] == name and a["state"] == "firing"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        from urllib.parse import quote

        result: list[dict[str, Any]] = self.get(f"/api/v1/query?query={quote(expr)}")["result"]
        return result


@contextmanager
def prometheus_server(
    binary: Path, targets: Sequence[Target], rule_files: Sequence[Path], logs: Path, *, interval: str = "1s"
) -> Iterator[Prometheus]:
    """Prometheus scraping ``targets`` and evaluating ``rule_files`` every ``interval``."""
    root = Path(tempfile.mkdtemp(prefix="goldpipe-prometheus-", dir=logs))
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {"job_name": t.job, "static_configs": [{"targets": [t.address], "labels": dict(t.labels)}]}
            for t in targets
        ],
    }
    (root / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    supervisor = Supervisor(logs)
    try:
        process = supervisor.start(
            "prometheus",
            [binary, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
             f"--web.listen-address={LOOPBACK}:{port}", "--storage.tsdb.retention.time=1h"],
            cwd=root,
        )  # fmt: skip
        server = Prometheus(f"http://{LOOPBACK}:{port}", process.pid)

        def ready() -> bool:
            supervisor.alive("prometheus")
            with urllib.request.urlopen(f"{server.url}/-/ready", timeout=5) as response:
                return bool(response.status == 200)

        wait_until(
            ready, timeout=60, what="Prometheus", details=lambda: log_tail(supervisor.log("prometheus"))
        )
        listening = listening_addresses(process.pid)
        assert {address for address, _ in listening} == {LOOPBACK}, listening
        yield server
    finally:
        supervisor.stop_all()
