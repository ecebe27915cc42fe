"""What a table maintenance run did to one table: recorded by the job, read by the controller.

The maintenance job is a SparkApplication, and its only durable output is the tables themselves:
the driver's log goes with its pod, and the operator's status carries no payload. So once a table
is maintained the job records its report in the table property ``goldpipe.maintenance.last-report``
(this module's JSON), a metadata-only commit: no snapshot, so no gold run, freshness or row count
sees it. The controller reads the property with pyiceberg, without Spark, and turns it into an
Event and the ``goldpipe_table_last_maintenance_*`` gauges.

A table keeps only its latest report, and a report names its run: the controller takes a report
as a run's only when the run ids match (a later run may have replaced it already).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Final

REPORT_PROPERTY: Final = "goldpipe.maintenance.last-report"


@dataclass(frozen=True)
class MaintenanceRecord:
    """One table's report of one maintenance run (``table`` is ``namespace.name``)."""

    run_id: str
    table: str
    finished_at: dt.datetime
    expired_snapshots: int = 0
    deleted_data_files: int = 0
    deleted_orphan_files: int = 0
    rewritten_manifests: int = 0
    compacted_data_files: int = 0
    dropped_branches: int = 0

    def counts(self) -> dict[str, int]:
        """Every count by its name in ``COUNTS`` (the gauges' names end with it)."""
        return {name: getattr(self, name) for name in COUNTS}

    def to_json(self) -> str:
        fields = {"run_id": self.run_id, "table": self.table, "finished_at": self.finished_at.isoformat()}
        return json.dumps({**fields, **self.counts()}, separators=(",", ":"), sort_keys=True)

    def line(self) -> str:
        """One line of the run's Event (an Event message is cut at 1024 characters: five tables
        of these fit)."""
        return (
            f"{self.table}: {self.expired_snapshots} snapshots expired, {self.deleted_data_files} data "
            f"and {self.deleted_orphan_files} orphan files deleted, {self.rewritten_manifests} manifests "
            f"rewritten, {self.compacted_data_files} files compacted, {self.dropped_branches} branches "
            "dropped"
        )


# The counted fields: everything but who, where and when.
COUNTS: Final = tuple(
    f.name for f in dataclasses.fields(MaintenanceRecord) if f.name not in ("run_id", "table", "finished_at")
)


def parse_record(text: str | None) -> MaintenanceRecord | None:
    """The report in a table property; None when absent or unreadable (hand-edited, or written by
    another version): a metric must never stop the controller."""
    if not text:
        return None
    try:
        data: dict[str, Any] = json.loads(text)
        finished = dt.datetime.fromisoformat(str(data["finished_at"]))
        if finished.tzinfo is None:
            return None
        return MaintenanceRecord(
            run_id=str(data["run_id"]),
            table=str(data["table"]),
            finished_at=finished,
            **{name: _count(data.get(name, 0)) for name in COUNTS},
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value
