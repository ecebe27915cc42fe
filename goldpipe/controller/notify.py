"""Failure notifications to a Slack-compatible incoming webhook (``{"text": ...}``)."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable

log = logging.getLogger(__name__)


class Webhook:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.attempts = attempts
        self.sleep = sleep

    def send(self, text: str) -> bool:
        """Post ``text``; retried, never raises (a notification must not stop an audit)."""
        body = json.dumps({"text": text}).encode()
        for attempt in range(1, self.attempts + 1):
            request = urllib.request.Request(
                self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    if 200 <= response.status < 300:
                        return True
            except (urllib.error.URLError, OSError) as exc:
                log.warning("webhook attempt %d/%d failed: %s", attempt, self.attempts, exc)
            if attempt < self.attempts:
                self.sleep(0.5 * 2 ** (attempt - 1))
        log.error("webhook notification not delivered after %d attempts", self.attempts)
        return False
