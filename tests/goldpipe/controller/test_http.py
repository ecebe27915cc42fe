"""The controller's HTTP endpoints: /healthz, /readyz, /metrics (Prometheus text format)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

from goldpipe.controller.runtime import Controller, serve_http


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_probes_and_metrics(kube, config_dir):
    controller = Controller(kube=kube, config_dir=config_dir)
    port = free_port()
    server = serve_http(controller, port, resync_seconds=60, host="127.0.0.1")
    try:
        assert get(port, "/readyz")[0] == 503  # nothing reconciled yet
        assert get(port, "/healthz")[0] == 200
        controller.reconcile_once()
        assert get(port, "/readyz")[0] == 200
        status, body = get(port, "/metrics")
        assert status == 200
        assert 'goldpipe_reconcile_total{result="ok"} 1.0' in body
        assert "goldpipe_config_valid 1.0" in body
        assert "goldpipe_schedules 2.0" in body  # nightly and the table maintenance
        assert get(port, "/nope")[0] == 404
    finally:
        server.shutdown()
