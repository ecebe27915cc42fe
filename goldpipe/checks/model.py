"""What a check says about a table and a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["blocking", "warning"]
Status = Literal["pass", "fail", "error"]
SEVERITIES: tuple[Severity, ...] = ("blocking", "warning")


@dataclass(frozen=True)
class CheckResult:
    name: str
    table: str
    severity: Severity
    status: Status
    observed: str
    expected: str
    message: str
    event_date: dt.date | None = None
    # A number later days compare with (volume: rows, orders, net revenue; drift: a measure), if any.
    metric: float | None = None

    @property
    def blocks(self) -> bool:
        """A blocking check that did not pass (an error counts: unknown is not good)."""
        return self.severity == "blocking" and self.status != "pass"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# "skipped": checks are disabled (checks.enabled: false), the run was published unchecked.
Verdict = Literal["passed", "failed", "warning", "skipped"]


def verdict(results: Iterable[CheckResult]) -> Verdict:
    """``failed`` if any blocking check did not pass, ``warning`` if any other did not, else ``passed``."""
    results = list(results)
    if any(r.blocks for r in results):
        return "failed"
    if any(r.status != "pass" for r in results):
        return "warning"
    return "passed"


def passed(
    name: str,
    table: str,
    severity: Severity,
    observed: object,
    expected: object,
    message: str,
    day: dt.date | None = None,
    metric: float | None = None,
) -> CheckResult:
    return CheckResult(name, table, severity, "pass", str(observed), str(expected), message, day, metric)


def failed(
    name: str,
    table: str,
    severity: Severity,
    observed: object,
    expected: object,
    message: str,
    day: dt.date | None = None,
    metric: float | None = None,
) -> CheckResult:
    return CheckResult(name, table, severity, "fail", str(observed), str(expected), message, day, metric)
