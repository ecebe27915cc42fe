"""The checks as pure functions of their inputs: no catalog, no cluster, no clock.

Each returns ``CheckResult``s; ``inputs`` gathers what they need from Iceberg, mostly from
metadata (schemas, snapshot summaries, per-file record and null counts) so that their cost
does not grow with the data. Only uniqueness (the day's key columns) and reconciliation (the
day's totals) read data.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from goldpipe.checks.model import CheckResult, Severity, failed, passed
from goldpipe.core.contract import TableContract


@dataclass(frozen=True)
class FileStats:
    """One data file of a day's partition, from the manifest: no data read."""

    record_count: int
    null_counts: Mapping[str, int]


def schema_check(
    contract: TableContract, actual: Sequence[tuple[str, str, bool]], severity: Severity
) -> CheckResult:
    """The table's columns (name, contract type name, required) equal the contract's, in order."""
    expected = [(c.name, c.type, c.required) for c in contract.columns]
    if list(actual) == expected:
        return passed(
            "schema",
            contract.name,
            severity,
            f"{len(actual)} columns",
            "contract schema",
            "schema equals the contract",
        )
    missing = [n for n, _, _ in expected if n not in {a[0] for a in actual}]
    extra = [a[0] for a in actual if a[0] not in {n for n, _, _ in expected}]
    differing = [
        f"{name}: {a_type}{' required' if a_req else ''} (contract {e_type}{' required' if e_req else ''})"
        for (name, e_type, e_req) in expected
        for (a_name, a_type, a_req) in actual
        if name == a_name and (a_type, a_req) != (e_type, e_req)
    ]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    if differing:
        parts.append("different " + "; ".join(differing))
    if not parts:
        parts.append("column order differs")
    return failed(
        "schema",
        contract.name,
        severity,
        "; ".join(parts),
        "contract schema",
        f"{contract.identifier} schema drifted from the contract: " + "; ".join(parts),
    )


def completeness_check(
    contract: TableContract,
    day: dt.date,
    *,
    committed: bool,
    files: Sequence[FileStats],
    severity: Severity,
    exactly_one_row: bool = False,
) -> CheckResult:
    """The day was written, has the rows it must have, and required columns hold no null.

    All from metadata: the commit's snapshot summary, and each data file's record and null
    counts from the manifests.
    """
    rows = sum(f.record_count for f in files)
    name, table = "completeness", contract.name
    if not committed:
        return failed(
            name,
            table,
            severity,
            "day not written",
            f"a commit for {day}",
            f"{contract.identifier} has no commit for {day}",
            day,
            rows,
        )
    if exactly_one_row and rows != 1:
        return failed(
            name,
            table,
            severity,
            f"{rows} rows",
            "1 row",
            f"{contract.identifier} must have exactly one row for {day}, has {rows}",
            day,
            rows,
        )
    nulls = {c: sum(f.null_counts.get(c, 0) for f in files) for c in contract.required_columns}
    bad = {c: n for c, n in nulls.items() if n}
    if bad:
        listed = ", ".join(f"{c} ({n})" for c, n in sorted(bad.items()))
        return failed(
            name,
            table,
            severity,
            f"nulls in {listed}",
            "no nulls in required columns",
            f"{contract.identifier} {day}: required columns with nulls: {listed}",
            day,
            rows,
        )
    return passed(
        name,
        table,
        severity,
        f"{rows} rows",
        "day written, required columns set",
        f"{day} written with {rows} rows",
        day,
        rows,
    )


def uniqueness_check(
    contract: TableContract, day: dt.date, keys: pa.Table, severity: Severity
) -> CheckResult:
    """Grain keys of the day's rows are unique and never null (``keys``: the key columns only)."""
    name, table = "uniqueness", contract.name
    key_columns = list(contract.key)
    null_rows = 0
    for column in key_columns:
        null_rows += keys.column(column).null_count
    if null_rows:
        return failed(
            name,
            table,
            severity,
            f"{null_rows} null key values",
            "no null keys",
            f"{contract.identifier} {day}: null values in grain key {', '.join(key_columns)}",
            day,
        )
    counts = keys.group_by(key_columns).aggregate([([], "count_all")])
    duplicates = counts.filter(pc.greater(counts.column("count_all"), 1))
    if duplicates.num_rows:
        sample = ", ".join(
            "(" + ", ".join(str(r[c]) for c in key_columns) + ")" for r in duplicates.slice(0, 3).to_pylist()
        )
        return failed(
            name,
            table,
            severity,
            f"{duplicates.num_rows} duplicated keys",
            "unique keys",
            f"{contract.identifier} {day}: duplicated grain keys, e.g. {sample}",
            day,
        )
    return passed(
        name,
        table,
        severity,
        f"{keys.num_rows} unique keys",
        "unique keys",
        f"{keys.num_rows} rows, keys unique",
        day,
    )


@dataclass(frozen=True)
class Totals:
    """Sums of one gold table for a day (None where the table has no such column)."""

    units: int | None = None
    net_revenue: Decimal | None = None
    orders: int | None = None


_MEASURES = ("units", "net_revenue", "orders")


def _equal(
    name: str, table: str, severity: Severity, *, day: dt.date, value: object, expected: object, what: str
) -> CheckResult:
    if value == expected:
        return passed(name, table, severity, value, expected, f"{what}: equal", day)
    return failed(
        name, table, severity, value, expected, f"{table} {day}: {what}: {value} != {expected}", day
    )


def reconciliation_checks(
    day: dt.date, gold: Mapping[str, Totals], silver: Totals, severity: Severity
) -> list[CheckResult]:
    """Each gold table's totals against the day's silver recomputed independently, and the
    contract's cross-table invariants between the gold tables present."""
    results = []
    summary = gold.get("daily_sales_summary")
    for table, totals in sorted(gold.items()):
        for measure in _MEASURES:
            value = getattr(totals, measure)
            if value is None:
                continue
            results.append(
                _equal(
                    f"reconciliation:{measure}",
                    table,
                    severity,
                    day=day,
                    value=value,
                    expected=getattr(silver, measure),
                    what=f"{measure} vs the recomputation from silver",
                )
            )
            if summary is not None and table != "daily_sales_summary":
                results.append(
                    _equal(
                        f"invariant:{measure}",
                        table,
                        severity,
                        day=day,
                        value=value,
                        expected=getattr(summary, measure),
                        what=f"sum of {measure} vs daily_sales_summary",
                    )
                )
    return results


def freshness_check(
    table: str,
    *,
    newest_day: dt.date | None,
    last_commit: dt.datetime | None,
    now: dt.datetime,
    allowed_lag_days: int,
    commit_sla_hours: float,
    severity: Severity,
) -> CheckResult:
    """The newest day is no older than yesterday minus the allowed lag, the last commit younger
    than the SLA."""
    oldest_ok = now.astimezone(dt.UTC).date() - dt.timedelta(days=1 + allowed_lag_days)
    expected = f"newest day >= {oldest_ok}, last commit within {commit_sla_hours:g}h"
    if newest_day is None or last_commit is None:
        return failed("freshness", table, severity, "no data", expected, f"{table} has no published day")
    age_hours = (now - last_commit).total_seconds() / 3600
    observed = f"newest day {newest_day}, last commit {age_hours:.1f}h ago"
    if newest_day < oldest_ok:
        return failed(
            "freshness",
            table,
            severity,
            observed,
            expected,
            f"{table} is stale: newest day {newest_day}, expected {oldest_ok} or later",
        )
    if age_hours > commit_sla_hours:
        return failed(
            "freshness",
            table,
            severity,
            observed,
            expected,
            f"{table}: last commit {age_hours:.1f}h ago, SLA {commit_sla_hours:g}h",
        )
    return passed("freshness", table, severity, observed, expected, "fresh")


def volume_checks(
    table: str,
    day: dt.date,
    current: Mapping[str, float],
    history: Mapping[str, Sequence[float]],
    *,
    max_deviation: float,
    min_history_days: int,
    severity: Severity,
) -> list[CheckResult]:
    """Each metric against the median of its recent history: a relative deviation beyond
    ``max_deviation`` is an anomaly. Each result carries its metric for later runs' history."""
    results = []
    for metric, value in sorted(current.items()):
        past = list(history.get(metric, ()))
        name = f"volume:{metric}"
        if len(past) < min_history_days:
            results.append(
                passed(
                    name,
                    table,
                    severity,
                    value,
                    f"{min_history_days} days of history",
                    f"{len(past)} day(s) of history: not compared yet",
                    day,
                    value,
                )
            )
            continue
        median = statistics.median(past)
        deviation = abs(value - median) / median if median else (0.0 if value == 0 else float("inf"))
        expected = f"within {max_deviation:.0%} of median {median:g}"
        if deviation > max_deviation:
            results.append(
                failed(
                    name,
                    table,
                    severity,
                    value,
                    expected,
                    f"{table} {day}: {metric} {value:g} deviates {deviation:.0%} from the "
                    f"{len(past)}-day median {median:g}",
                    day,
                    value,
                )
            )
        else:
            results.append(
                passed(
                    name,
                    table,
                    severity,
                    value,
                    expected,
                    f"deviation {deviation:.0%}",
                    day=day,
                    metric=value,
                )
            )
    return results
