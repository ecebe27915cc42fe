"""A typed, read-only view of a SparkApplication: what goldpipe reads of a run (its state, times,
jobs, labels), in one place for the controller, the CLI and `goldpipe status`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goldpipe.core.names import kubernetes_run_id
from goldpipe.deploy.vocabulary import (
    COMPLETED,
    FAILED_STATES,
    LABEL_CHECKS,
    LABEL_COMPONENT,
    LABEL_DATE,
    LABEL_JOB,
    LABEL_MAINTENANCE_RESULT,
    LABEL_RUN_KIND,
    LABEL_SCHEDULE,
    MAINTENANCE_COMPONENT,
    TERMINAL_STATES,
)

SCHEDULED = "scheduled"  # LABEL_RUN_KIND of a run a schedule started


def parse_time(text: str | None) -> dt.datetime | None:
    """A Kubernetes timestamp (``2026-11-21T02:00:00Z``); None when absent or unreadable."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class SparkApp:
    """A SparkApplication as read from the API (``raw``), with typed accessors."""

    raw: Mapping[str, Any]

    @property
    def metadata(self) -> Mapping[str, Any]:
        return self.raw.get("metadata") or {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def submission_id(self) -> str | None:
        """The operator's id of the latest submission (a new one per retry or replacement)."""
        return (self.raw.get("status") or {}).get("submissionID") or None

    @property
    def run_id(self) -> str:
        """The run id the job wrote under: its branch, commits, check results and tag."""
        return kubernetes_run_id(self.name, self.submission_id)

    @property
    def labels(self) -> Mapping[str, str]:
        return self.metadata.get("labels") or {}

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.metadata.get("annotations") or {}

    @property
    def state(self) -> str:
        """The operator's ``applicationState`` (``NEW`` before it has seen the run)."""
        status = self.raw.get("status") or {}
        return str((status.get("applicationState") or {}).get("state") or "NEW")

    @property
    def seen_by_operator(self) -> bool:
        return bool(self.raw.get("status"))

    @property
    def completed(self) -> bool:
        return self.state == COMPLETED

    @property
    def failed(self) -> bool:
        return self.state in FAILED_STATES

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def created(self) -> dt.datetime | None:
        return parse_time(self.metadata.get("creationTimestamp"))

    @property
    def started(self) -> dt.datetime | None:
        """The last submission, else the creation."""
        return parse_time((self.raw.get("status") or {}).get("lastSubmissionAttemptTime")) or self.created

    @property
    def ended(self) -> dt.datetime | None:
        return parse_time((self.raw.get("status") or {}).get("terminationTime"))

    @property
    def jobs(self) -> tuple[str, ...]:
        """The jobs the run runs: its ``--jobs`` argument, what the job itself reads."""
        arguments = list((self.raw.get("spec") or {}).get("arguments") or [])
        for flag, value in itertools.pairwise(arguments):
            if flag == "--jobs":
                return tuple(j for j in str(value).split(",") if j)
        return ()

    @property
    def maintenance(self) -> bool:
        """A table maintenance run, not a gold run: it has no jobs, days or checks."""
        return self.labels.get(LABEL_COMPONENT) == MAINTENANCE_COMPONENT

    @property
    def maintenance_result(self) -> str | None:
        """A maintenance run's posted result, None while there is none."""
        return self.labels.get(LABEL_MAINTENANCE_RESULT)

    @property
    def run_kind(self) -> str:
        return self.labels.get(LABEL_RUN_KIND, "")

    @property
    def schedule(self) -> str:
        return self.labels.get(LABEL_SCHEDULE, "")

    @property
    def day(self) -> str:
        """The day of a one-off or backfill run; ``auto`` for a scheduled one."""
        return self.labels.get(LABEL_DATE, "auto" if self.run_kind == SCHEDULED else "")

    @property
    def job_label(self) -> str:
        return self.labels.get(LABEL_JOB, "")

    @property
    def checks(self) -> str | None:
        """The posted result, None while there is none."""
        return self.labels.get(LABEL_CHECKS)


@dataclass(frozen=True)
class RunRow:
    """One line of `goldpipe status`."""

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


def run_row(app: SparkApp, now: dt.datetime) -> RunRow:
    start = app.started
    scheduled = app.run_kind == SCHEDULED or app.maintenance  # the maintenance schedule's runs
    return RunRow(
        name=app.name,
        schedule=(app.schedule or "-") if scheduled else app.run_kind or "-",
        jobs=MAINTENANCE_COMPONENT if app.maintenance else app.job_label or "-",
        date=app.day or "-",
        state=app.state,
        start=start,
        duration=None if start is None else (app.ended or now) - start,
        # A maintenance run has no checks: its column shows the result the controller posted.
        checks=(app.maintenance_result if app.maintenance else app.checks) or "-",
    )
