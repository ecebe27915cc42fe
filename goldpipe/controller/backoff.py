"""Per-run back-off of work that failed for a transient reason (an unreachable catalog, an API
error): the loop looks at the runs every few seconds, and retrying a run that just failed that
often would only flood the log. 2 s, doubling, at most 5 minutes; forgotten on success."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_DELAY_SECONDS = 300.0


@dataclass
class Backoff:
    clock: Callable[[], float] = time.monotonic
    retry_at: dict[str, float] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def due(self, key: str) -> bool:
        return self.clock() >= self.retry_at.get(key, 0.0)

    def succeeded(self, key: str) -> None:
        self.retry_at.pop(key, None)
        self.failures.pop(key, None)

    def failed(self, key: str) -> tuple[int, float]:
        """The attempt's number and the seconds until the next."""
        count = self.failures.get(key, 0) + 1
        self.failures[key] = count
        delay = min(MAX_DELAY_SECONDS, 2.0 * 2 ** (count - 1))
        self.retry_at[key] = self.clock() + delay
        return count, delay
