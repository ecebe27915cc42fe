"""Sending OpenLineage events without ever holding up or failing a run.

Events go into a bounded queue; one background thread hands them to openlineage-python's
transport (HTTP or file). A receiver that is down, slow (each event waits at most the configured
timeout) or answers 500 only delays that thread: the caller returns at once, whatever happens.
Each event ends counted as ``sent``, ``failed`` or ``dropped`` (the queue was full, or the
process ended first: lineage is best-effort by design).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from goldpipe.lineage.config import API_KEY_ENV, LineageConfig

log = logging.getLogger(__name__)

# A night's runs make a few dozen events; more than this waiting means the receiver is gone.
QUEUE_SIZE = 1000
# The HTTP transport's own retries of a failed POST (its default is 5, with back-off).
HTTP_RETRIES = 2


def _client(config: LineageConfig) -> Any:
    """openlineage-python's client with the configured transport (never from the environment or
    an openlineage.yml: the values are the one place lineage is configured)."""
    from openlineage.client import OpenLineageClient
    from openlineage.client.transport.console import ConsoleConfig, ConsoleTransport
    from openlineage.client.transport.file import FileConfig, FileTransport
    from openlineage.client.transport.http import (
        ApiKeyTokenProvider,
        HttpConfig,
        HttpTransport,
        TokenProvider,
    )

    transport: Any
    if config.transport == "file":
        transport = FileTransport(FileConfig(log_file_path=config.path, append=True))
    elif config.transport == "console":
        transport = ConsoleTransport(ConsoleConfig())
    else:
        key = os.environ.get(API_KEY_ENV)
        transport = HttpTransport(
            HttpConfig(
                url=config.url,
                endpoint=config.endpoint,
                timeout=config.timeout_seconds,
                auth=ApiKeyTokenProvider({"apiKey": key}) if key else TokenProvider({}),
                retry={
                    "total": HTTP_RETRIES,
                    "backoff_factor": 0.2,
                    "status_forcelist": [500, 502, 503, 504],
                    "allowed_methods": ["POST"],
                },
            )
        )
    return OpenLineageClient(transport=transport, config={"transport": {"type": config.transport}})


class LineageEmitter:
    """Best-effort, non-blocking delivery. ``count(result)`` is told of every event's end."""

    def __init__(self, count: Callable[[str], None] = lambda _: None, queue_size: int = QUEUE_SIZE) -> None:
        self.count = count
        self.config = LineageConfig()
        self._client: Any = None
        self._queue: queue.Queue[tuple[Any, Any]] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def configure(self, config: LineageConfig) -> None:
        """Use ``config`` from now on (level-triggered: called with the current values each time)."""
        with self._lock:
            if config == self.config:
                return
            self.config = config
            self._client = None
            if config.enabled:
                try:
                    self._client = _client(config)
                except Exception as exc:  # a bad transport setting must not stop the controller
                    log.error("OpenLineage is enabled but its transport cannot be set up: %s", exc)

    def emit(self, events: Iterable[Any]) -> None:
        """Queue ``events`` (nothing when lineage is off); returns at once."""
        with self._lock:
            client = self._client
            if client is None:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._send, name="openlineage", daemon=True)
                self._thread.start()
        for event in events:
            try:
                self._queue.put_nowait((client, event))
            except queue.Full:
                self.count("dropped")
                log.warning("OpenLineage queue full: event dropped (is the receiver down?)")

    def flush(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the queue to empty (a short-lived process before it
        exits); False when events were still waiting, which are then dropped with the process."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)
        left = self._queue.unfinished_tasks
        if left:
            log.warning("OpenLineage: %d event(s) not delivered within %.0fs, dropped", left, timeout)
            for _ in range(left):
                self.count("dropped")
        return not left

    def _send(self) -> None:
        while True:
            client, event = self._queue.get()
            try:
                client.emit(event)
                self.count("sent")
            except Exception as exc:  # whatever the receiver or transport does: counted, never raised
                self.count("failed")
                log.warning("OpenLineage event not delivered: %s", exc)
            finally:
                self._queue.task_done()
