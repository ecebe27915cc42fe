"""Running the checks of a run (or of published data) over its tables and days."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from goldpipe.checks import baselines, inputs, measures, rules
from goldpipe.checks.config import ChecksConfig, CheckSettings
from goldpipe.checks.model import CheckResult
from goldpipe.core.contract import GOLD_TABLES
from goldpipe.lakehouse import gold_tables

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

log = logging.getLogger(__name__)

# (table, day, days back) -> per check name (``volume:orders``, ...), its recorded value by day.
HistoryLookup = Callable[[str, dt.date, int], dict[str, dict[dt.date, float]]]


@dataclass(frozen=True)
class CheckTarget:
    """What to check: the ``jobs`` of a run on ``ref`` (its audit branch, or ``main``) for ``days``.
    ``run_id`` restricts "the day was written" to that run's commits."""

    jobs: tuple[str, ...]
    days: tuple[dt.date, ...]
    ref: str
    run_id: str | None = None


def _error(name: str, table: str, severity: str, day: dt.date | None, exc: Exception) -> CheckResult:
    # A check that could not run is not a pass: it blocks when the check is blocking.
    return CheckResult(name, table, severity, "error", "", "", f"{type(exc).__name__}: {exc}", day)  # type: ignore[arg-type]


class _Recorder:
    """Collects results; a check that raises becomes an ``error`` result instead of an abort."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.results: list[CheckResult] = []
        self.timings = timings

    @contextmanager
    def check(self, name: str, table: str, severity: str, day: dt.date | None = None) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        except Exception as exc:  # a broken check must not crash the audit, nor pass
            log.exception("check %s on %s could not run", name, table)
            self.results.append(_error(name, table, severity, day, exc))
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started


def run_checks(
    catalog: Catalog,
    target: CheckTarget,
    config: ChecksConfig,
    *,
    now: dt.datetime,
    history: HistoryLookup,
    timings: dict[str, float] | None = None,
) -> list[CheckResult]:
    """Every enabled check of every job's table for every day of ``target``."""
    out = _Recorder({} if timings is None else timings)
    tables = {job: gold_tables.gold_table(catalog, job) for job in target.jobs}
    for job, table in tables.items():
        contract = GOLD_TABLES[job]
        schema = config.for_job(job, "schema")
        if schema.enabled:
            with out.check("schema", job, schema.severity):
                out.results.append(
                    rules.schema_check(contract, inputs.schema_columns(table), schema.severity)
                )
        fresh = config.for_job(job, "freshness")
        if fresh.enabled:
            with out.check("freshness", job, fresh.severity):
                out.results.append(
                    rules.freshness_check(
                        job,
                        newest_day=gold_tables.watermark(table, target.ref),
                        last_commit=inputs.last_commit(table, target.ref),
                        now=now,
                        allowed_lag_days=int(fresh.option("allowedLagDays")),
                        commit_sla_hours=float(fresh.option("commitSlaHours")),
                        severity=fresh.severity,
                    )
                )
    for day in target.days:
        for job, table in tables.items():
            _check_table_day(
                out, catalog, target, job=job, table=table, day=day, config=config, history=history
            )
        reconciled = [
            j for j in tables if j != "rejected_rows" and config.for_job(j, "reconciliation").enabled
        ]
        if reconciled:
            severity = config.for_job(reconciled[0], "reconciliation").severity
            with out.check("reconciliation", ",".join(reconciled), severity, day):
                gold = {j: inputs.gold_totals(tables[j], j, target.ref, day) for j in reconciled}
                out.results.extend(
                    rules.reconciliation_checks(day, gold, inputs.silver_totals(catalog, day), severity)
                )
    return out.results


def _check_table_day(
    out: _Recorder,
    catalog: Catalog,
    target: CheckTarget,
    *,
    job: str,
    table: Table,
    day: dt.date,
    config: ChecksConfig,
    history: HistoryLookup,
) -> None:
    contract = GOLD_TABLES[job]
    files = inputs.day_files(table, target.ref, day)
    complete = config.for_job(job, "completeness")
    if complete.enabled:
        with out.check("completeness", job, complete.severity, day):
            out.results.append(
                rules.completeness_check(
                    contract,
                    day,
                    committed=gold_tables.committed(table, target.ref, day, target.run_id),
                    files=files,
                    severity=complete.severity,
                    exactly_one_row=job == "daily_sales_summary",
                )
            )
    unique = config.for_job(job, "uniqueness")
    if unique.enabled:
        with out.check("uniqueness", job, unique.severity, day):
            keys = inputs.day_columns(table, target.ref, day, contract.key)
            out.results.append(rules.uniqueness_check(contract, day, keys, unique.severity))
    volume, drift = config.for_job(job, "volumeAnomaly"), config.for_job(job, "distributionDrift")
    if not (volume.enabled or drift.enabled):
        return
    # One lookup for both checks, made inside the first check that needs it: a history that
    # cannot be read is that check's error, not the audit's crash.
    past = functools.cache(lambda: history(job, day, _history_days(volume, drift)))
    if volume.enabled:
        with out.check("volume", job, volume.severity, day):
            metrics = _volume_metrics(job, table, target.ref, day, files)
            if volume.seasonality == "none":
                out.results.extend(
                    rules.volume_checks(
                        job,
                        day,
                        metrics,
                        _trailing(past(), "volume:", day, int(volume.option("windowDays"))),
                        max_deviation=float(volume.option("maxDeviation")),
                        min_history_days=int(volume.option("minHistoryDays")),
                        severity=volume.severity,
                    )
                )
            else:
                current = {name: baselines.Measure(value) for name, value in metrics.items()}
                out.results.extend(
                    _against_baseline("volume", job, day=day, current=current, past=past(), settings=volume)
                )
    if drift.enabled:
        with out.check("drift", job, drift.severity, day):
            current = measures.drift_measures(catalog, job, table, target.ref, day)
            out.results.extend(
                _against_baseline("drift", job, day=day, current=current, past=past(), settings=drift)
            )


def _against_baseline(
    kind: str,
    job: str,
    *,
    day: dt.date,
    current: dict[str, baselines.Measure],
    past: dict[str, dict[dt.date, float]],
    settings: CheckSettings,
) -> list[CheckResult]:
    return baselines.baseline_checks(
        kind,
        job,
        day=day,
        current=current,
        history=past,
        settings=settings.baseline(),
        severity=settings.severity,
    )


def _history_days(volume: CheckSettings, drift: CheckSettings) -> int:
    """How far back the one history lookup of a table's day reaches: the longest window of both."""
    days = [7 * int(drift.option("historyWeeks"))] if drift.enabled else [0]
    if volume.enabled:
        days.append(
            int(volume.option("windowDays"))
            if volume.seasonality == "none"
            else 7 * int(volume.option("historyWeeks"))
        )
    return max(days)


def _trailing(
    past: dict[str, dict[dt.date, float]], prefix: str, day: dt.date, window_days: int
) -> dict[str, list[float]]:
    """The old volume rule's input: each metric's values of the last ``window_days``, oldest first."""
    start = day - dt.timedelta(days=window_days)
    return {
        name.removeprefix(prefix): [v for d, v in sorted(values.items()) if d >= start]
        for name, values in past.items()
        if name.startswith(prefix)
    }


def _volume_metrics(
    job: str, table: Table, ref: str, day: dt.date, files: Iterable[rules.FileStats]
) -> dict[str, float]:
    """Rows from the manifests; for the sales summary also its orders and net revenue."""
    metrics = {"rows": float(sum(f.record_count for f in files))}
    if job == "daily_sales_summary":
        totals = inputs.gold_totals(table, job, ref, day)
        metrics["orders"] = float(totals.orders or 0)
        metrics["net_revenue"] = float(totals.net_revenue or 0)
    return metrics
