"""Plain-text tables for terminal output (no colour codes: output is often piped or logged)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence
from typing import Any


def cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, decimal.Decimal):
        return f"{value:,.2f}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns aligned; numbers right-aligned, text left-aligned."""
    text_rows = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(headers)]
    numeric = [
        bool(rows) and all(isinstance(r[i], int | float | decimal.Decimal) or r[i] is None for r in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in text_rows)
    return "\n".join(out)


def _status(result: Any) -> str:
    """FAIL only for a failure that blocks publishing; a warning-severity failure is WARN."""
    if result.status == "fail" and result.severity != "blocking":
        return "WARN"
    return str(result.status).upper()


def check_table(results: Sequence[Any], *, full: bool = False) -> str:
    """Check results (``CheckResult``): what did not pass, one row each with its whole message;
    the passes folded into one row per check and table (``full``: every result on its own row)."""
    order = {"ERROR": 0, "FAIL": 1, "WARN": 2, "PASS": 3}
    rows: list[list[object]] = []
    folded: dict[tuple[str, str], list[Any]] = {}
    for r in sorted(results, key=lambda r: (order[_status(r)], r.table, r.name, str(r.event_date or ""))):
        if r.status == "pass" and not full:
            folded.setdefault((r.table, r.name), []).append(r)
            continue
        day = r.event_date.isoformat() if r.event_date else "-"
        rows.append([_status(r), r.name, r.table, day, r.severity, r.message])
    for (table, name), passes in folded.items():
        days = [p.event_date for p in passes if p.event_date]
        when = f"{len(days)} day(s)" if days else "-"
        detail = passes[0].message if len(passes) == 1 else f"{len(passes)} passed"
        rows.append(["PASS", name, table, when, passes[0].severity, detail])
    return format_table(["status", "check", "table", "day", "severity", "detail"], rows)
