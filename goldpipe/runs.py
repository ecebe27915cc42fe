"""SparkApplication runs of the pipeline: their states, and the backfill scheduler (pure parts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goldpipe.render import LABEL_DATE, LABEL_JOB, LABEL_RUN_KIND, LABEL_SCHEDULE

COMPLETED = "COMPLETED"
FAILED_STATES = frozenset({"FAILED", "SUBMISSION_FAILED"})
TERMINAL_STATES = FAILED_STATES | {COMPLETED}
LABEL_CHECKS = "goldpipe.io/checks"


def state_of(app: Mapping[str, Any]) -> str:
    return str(((app.get("status") or {}).get("applicationState") or {}).get("state") or "NEW")


def is_terminal(app: Mapping[str, Any]) -> bool:
    return state_of(app) in TERMINAL_STATES


def runs_selector(release_name: str) -> str:
    return f"app.kubernetes.io/instance={release_name},app.kubernetes.io/component=gold-job"


def parse_time(text: str | None) -> dt.datetime | None:
    """A Kubernetes timestamp (``2026-11-21T02:00:00Z``); None when absent or unreadable."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class RunRow:
    name: str
    schedule: str
    jobs: str
    date: str
    state: str
    start: dt.datetime | None
    duration: dt.timedelta | None
    checks: str

    @property
    def sort_key(self) -> tuple[dt.datetime, str]:
        return (self.start or dt.datetime.min.replace(tzinfo=dt.UTC), self.name)


def run_row(app: Mapping[str, Any], now: dt.datetime) -> RunRow:
    meta = app.get("metadata") or {}
    labels = meta.get("labels") or {}
    status = app.get("status") or {}
    start = parse_time(status.get("lastSubmissionAttemptTime")) or parse_time(meta.get("creationTimestamp"))
    end = parse_time(status.get("terminationTime"))
    duration = None
    if start is not None:
        duration = (end or now) - start
    kind = labels.get(LABEL_RUN_KIND, "")
    return RunRow(
        name=str(meta.get("name", "")),
        schedule=labels.get(LABEL_SCHEDULE, "-") if kind == "scheduled" else kind or "-",
        jobs=labels.get(LABEL_JOB, "-"),
        date=labels.get(LABEL_DATE, "auto" if kind == "scheduled" else "-"),
        state=state_of(app),
        start=start,
        duration=duration,
        checks=labels.get(LABEL_CHECKS, "-"),
    )


@dataclass(frozen=True)
class BackfillStep:
    """What a backfill does next: runs to create now, and whether it is finished."""

    create: tuple[dt.date, ...]
    done: bool


def backfill_step(
    days: tuple[dt.date, ...], states: Mapping[dt.date, str | None], parallel: int, attempted: set[dt.date]
) -> BackfillStep:
    """Pure scheduling: days already COMPLETED are skipped (resume), at most ``parallel`` in flight.

    ``states`` maps a day to its run's state, None when no run exists. ``attempted`` holds the
    days this backfill created: a day that failed in an earlier backfill is run again, one that
    failed in this one stays failed (the run's own restart policy already retried it).
    """
    in_flight = sum(1 for d in days if states.get(d) is not None and states[d] not in TERMINAL_STATES)
    free = max(0, parallel - in_flight)
    todo = [d for d in days if states.get(d) is None or (states[d] in FAILED_STATES and d not in attempted)]
    finished = in_flight == 0 and all(
        states.get(d) == COMPLETED or (states.get(d) in FAILED_STATES and d in attempted) for d in days
    )
    return BackfillStep(create=tuple(todo[:free]), done=finished and not todo)
