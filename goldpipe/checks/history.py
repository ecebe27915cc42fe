"""``audit.check_results``: one row per check per run, the durable record of every audit.

It is also what makes the controller exactly-once: a run whose rows exist was checked, and
its results are read back instead of checked again after a restart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from goldpipe.checks.model import CheckResult
from goldpipe.core.contract import AUDIT_NAMESPACE, CHECK_RESULTS_NAME, TableContract, columns_of

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

CHECK_RESULTS = TableContract(
    AUDIT_NAMESPACE,
    CHECK_RESULTS_NAME,
    columns_of(
        "run_id string *",
        "application string",
        "job string",
        "table_name string *",
        "event_date date",
        "check_name string *",
        "severity string *",
        "status string *",
        "observed string",
        "expected string",
        "message string",
        "metric double",
        "checked_at timestamptz *",
    ),
    key=("run_id", "table_name", "event_date", "check_name"),
)


def results_table(catalog: Catalog) -> Table:
    from goldpipe.lakehouse.schema import create_table

    if catalog.table_exists(CHECK_RESULTS.identifier):
        return catalog.load_table(CHECK_RESULTS.identifier)
    try:
        return create_table(catalog, CHECK_RESULTS)
    except Exception:  # created concurrently (another controller or a local run)
        return catalog.load_table(CHECK_RESULTS.identifier)


def _run_filter(value: str) -> Any:
    from pyiceberg.expressions import EqualTo

    return EqualTo(term="run_id", value=value)


def recorded_results(catalog: Catalog, run_id: str) -> list[CheckResult] | None:
    """The results recorded for ``run_id``, or None when the run was never checked."""
    table = results_table(catalog)
    rows = table.scan(row_filter=_run_filter(run_id)).to_arrow().to_pylist()
    if not rows:
        return None
    rows.sort(key=lambda r: (r["table_name"], str(r["event_date"]), r["check_name"]))
    return [
        CheckResult(
            name=r["check_name"],
            table=r["table_name"],
            severity=r["severity"],
            status=r["status"],
            observed=r["observed"] or "",
            expected=r["expected"] or "",
            message=r["message"] or "",
            event_date=r["event_date"],
            metric=r["metric"],
        )
        for r in rows
    ]


def record_results(
    catalog: Catalog,
    run_id: str,
    results: Sequence[CheckResult],
    *,
    application: str | None,
    jobs_by_table: dict[str, str],
    checked_at: dt.datetime,
) -> None:
    """Append the run's rows in one commit. A run with no check (nothing new) records a marker
    row, so that it too is recognised as checked."""
    import pyarrow as pa

    from goldpipe.lakehouse.schema import arrow_schema

    table = results_table(catalog)
    rows = [
        {
            "run_id": run_id,
            "application": application,
            "job": jobs_by_table.get(r.table),
            "table_name": r.table,
            "event_date": r.event_date,
            "check_name": r.name,
            "severity": r.severity,
            "status": r.status,
            "observed": r.observed,
            "expected": r.expected,
            "message": r.message,
            "metric": r.metric,
            "checked_at": checked_at,
        }
        for r in results
    ]
    if not rows:
        rows.append(
            {
                "run_id": run_id,
                "application": application,
                "job": None,
                "table_name": "-",
                "event_date": None,
                "check_name": "no-new-day",
                "severity": "warning",
                "status": "pass",
                "observed": "",
                "expected": "",
                "message": "the run wrote no day: nothing to check",
                "metric": None,
                "checked_at": checked_at,
            }
        )
    table.append(pa.Table.from_pylist(rows, schema=arrow_schema(CHECK_RESULTS)))


def metric_history(
    catalog: Catalog, table_name: str, day: dt.date, window_days: int, *, exclude_run: str | None = None
) -> dict[str, dict[dt.date, float]]:
    """Per check that carries a metric (``volume:*``, ``drift:*``), the latest recorded value of
    each of the ``window_days`` days before ``day``, by day."""
    from pyiceberg.expressions import And, EqualTo, GreaterThanOrEqual, LessThan

    table = results_table(catalog)
    start = day - dt.timedelta(days=window_days)
    row_filter = And(
        EqualTo(term="table_name", value=table_name),
        And(
            GreaterThanOrEqual(term="event_date", value=start.isoformat()),
            LessThan(term="event_date", value=day.isoformat()),
        ),
    )
    rows = (
        table.scan(
            row_filter=row_filter,
            selected_fields=("run_id", "event_date", "check_name", "metric", "status", "checked_at"),
        )
        .to_arrow()
        .to_pylist()
    )
    latest: dict[tuple[str, dt.date], tuple[dt.datetime, float]] = {}
    for r in rows:
        if r["metric"] is None or r["status"] == "error" or r["run_id"] == exclude_run:
            continue
        key = (r["check_name"], r["event_date"])
        if key not in latest or r["checked_at"] > latest[key][0]:
            latest[key] = (r["checked_at"], float(r["metric"]))
    history: dict[str, dict[dt.date, float]] = {}
    for (name, when), (_, value) in sorted(latest.items(), key=lambda kv: kv[0][1]):
        history.setdefault(name, {})[when] = value
    return history
