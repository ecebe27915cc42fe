"""A loopback OpenLineage receiver for the tests: an HTTP server on 127.0.0.1 that records the
events POSTed to it, or answers 500, or answers too late, as the test sets ``mode``. Stopped (and
its socket closed) when its ``with`` block ends, also when a test failed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Mode = Literal["ok", "error", "slow"]


@dataclass
class Receiver:
    url: str
    mode: Mode = "ok"
    slow_seconds: float = 3.0
    events: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@contextmanager
def lineage_receiver(mode: Mode = "ok") -> Iterator[Receiver]:
    receiver = Receiver(url="", mode=mode)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.attempts += 1
                receiver.paths.append(self.path)
                receiver.headers.append(dict(self.headers))
            if receiver.mode == "slow":
                time.sleep(receiver.slow_seconds)
            status = 500 if receiver.mode == "error" else 200
            if receiver.mode == "ok":  # a slow answer comes after the client gave up: not delivered
                with lock:
                    receiver.events.append(json.loads(body))
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the client gave up waiting (the slow mode)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
