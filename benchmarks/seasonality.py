"""False alarms and misses of the volume and drift checks over seeded weeks with a weekly rhythm.

Seeds ``--weeks`` weeks of silver (``goldpipe seed``'s season: weekends at 40 % of a weekday's
orders, and injected incidents), then replays them one day at a time the way the controller
sees them: each day is a gold run (the DuckDB reading of the contract, committed on its branch
like the Spark job's, ``tests/support/reference_run.py``) audited by ``audit_run`` with the NEW
checks (``volumeAnomaly`` with ``seasonality: day_of_week``, ``distributionDrift``) and their
history in ``audit.check_results``, then published. The OLD volume check (``seasonality:
none``, the chart's maxDeviation/windowDays/minHistoryDays) runs on the same published day
through the same runner and the same recorded history. The other checks are off: they
neither see a season nor cost nothing.

A day counts for a check once the check compared it (enough history: not "not compared
yet"); a false alarm is a compared day without an incident on which the check failed on any
table, a miss a compared incident day on which it did not.

    python benchmarks/seasonality.py [--quick] [--weeks 8] [--orders 1000] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from goldpipe.checks import history  # noqa: E402
from goldpipe.checks.audit import audit_run  # noqa: E402
from goldpipe.checks.config import CHECK_NAMES  # noqa: E402
from goldpipe.checks.model import CheckResult  # noqa: E402
from goldpipe.checks.runner import CheckTarget, run_checks  # noqa: E402
from goldpipe.core.contract import JOB_NAMES  # noqa: E402
from goldpipe.lakehouse.catalog import load_catalog  # noqa: E402
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded  # noqa: E402
from goldpipe.seed import Season, seed_silver  # noqa: E402
from tests.support.checks import chart_checks  # noqa: E402
from tests.support.reference_run import write_reference_run  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"
LAST_DAY = dt.date(2026, 11, 22)  # a Sunday: the replay covers whole weeks, Monday first
WEEKEND_DIP = (1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.4)
# (week from the end, weekday, kind): two of each kind, one of them at a weekend, all in weeks
# the new checks compare (three earlier same weekdays).
INCIDENTS = (
    (5, 2, "half-orders"),
    (4, 5, "cents"),
    (3, 1, "rejected-burst"),
    (2, 3, "cents"),
    (2, 5, "rejected-burst"),
    (1, 6, "half-orders"),
)
QUICK_INCIDENTS = ((1, 2, "half-orders"), (1, 3, "rejected-burst"), (1, 5, "cents"))
FAMILIES = ("old volume", "new volume", "new drift", "new (volume or drift)")


def incidents(weeks: int, quick: bool) -> dict[dt.date, str]:
    chosen = QUICK_INCIDENTS if quick else INCIDENTS
    monday = LAST_DAY - dt.timedelta(days=6)
    return {monday - dt.timedelta(weeks=w - 1) + dt.timedelta(days=d): k for w, d, k in chosen if w <= weeks}


def only(checks: Iterable[str], **settings: dict[str, Any]) -> Any:
    """The chart's check settings with every check but ``checks`` off."""
    return chart_checks(
        {"defaults": {n: {"enabled": n in checks, **settings.get(n, {})} for n in CHECK_NAMES}}
    )


NEW = only(("volumeAnomaly", "distributionDrift"), volumeAnomaly={"seasonality": "day_of_week"})
OLD = only(("volumeAnomaly",))


@dataclass
class Day:
    day: dt.date
    incident: str | None
    # Per family: None when it did not compare the day, else its failed checks ("table volume:orders").
    alarms: dict[str, list[str] | None] = field(default_factory=dict)


def _alarms(results: list[CheckResult], prefix: str) -> list[str] | None:
    mine = [r for r in results if r.name.startswith(prefix)]
    if not mine or all("not compared yet" in r.message for r in mine):
        return None
    assert all(r.status != "error" for r in mine), [r.message for r in mine if r.status == "error"]
    return sorted(f"{r.table} {r.name}" for r in mine if r.status == "fail")


def replay(weeks: int, orders: int, quick: bool, seed: int = 7) -> list[Day]:
    root = WORK / ("seasonality-quick" if quick else f"seasonality-{seed}")
    shutil.rmtree(root, ignore_errors=True)
    catalog = load_catalog(resolve_embedded(CatalogConfig(), root), create=True)
    injected = incidents(weeks, quick)
    days = weeks * 7
    season = Season(WEEKEND_DIP, injected)
    print(f"seeding {days} days, {orders:,} orders/weekday: {season.describe()}", file=sys.stderr, flush=True)
    seed_silver(
        catalog, days=days, end_date=LAST_DAY, orders_per_day=orders, seed=seed, replace=False, season=season
    )
    out = []
    for i in range(days):
        day = LAST_DAY - dt.timedelta(days=days - 1 - i)
        now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(3), dt.UTC)
        run = f"replay-{day:%Y%m%d}"
        write_reference_run(catalog, run, (day,), computed_at=now)
        new = audit_run(catalog, run_id=run, jobs=JOB_NAMES, config=NEW, now=now)
        assert new.published, f"{day}: {new.verdict}"
        old = run_checks(
            catalog,
            CheckTarget(jobs=JOB_NAMES, days=(day,), ref="main"),
            OLD,
            now=now,
            history=lambda j, d, w: history.metric_history(catalog, j, d, w),
        )
        record = Day(day, injected.get(day))
        record.alarms["old volume"] = _alarms(old, "volume:")
        record.alarms["new volume"] = _alarms(new.results, "volume:")
        record.alarms["new drift"] = _alarms(new.results, "drift:")
        v, d = record.alarms["new volume"], record.alarms["new drift"]
        record.alarms["new (volume or drift)"] = None if v is None and d is None else [*(v or []), *(d or [])]
        out.append(record)
        print(
            f"{day} {day:%a} {record.incident or '':<15} "
            + " | ".join(f"{f}: {record.alarms[f]}" for f in FAMILIES),
            file=sys.stderr,
            flush=True,
        )
    return out


def summary(days: list[Day]) -> dict[str, dict[str, int]]:
    figures = {}
    for family in FAMILIES:
        compared = [d for d in days if d.alarms[family] is not None]
        clean = [d for d in compared if d.incident is None]
        hit = [d for d in compared if d.incident]
        figures[family] = {
            "clean_days_compared": len(clean),
            "false_alarms": sum(1 for d in clean if d.alarms[family]),
            "false_alarms_at_weekends": sum(1 for d in clean if d.alarms[family] and d.day.weekday() >= 5),
            "incidents_compared": len(hit),
            "caught": sum(1 for d in hit if d.alarms[family]),
            "missed": sum(1 for d in hit if not d.alarms[family]),
        }
    return figures


def _checks(alarms: list[str] | None) -> str:
    if alarms is None:
        return "not compared"
    if not alarms:
        return "**missed**"
    names = sorted({a.split(" ")[1] for a in alarms})
    return ", ".join(f"`{n}`" for n in names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")


def markdown(days: list[Day], weeks: int, orders: int, seed: int) -> str:
    figures = summary(days)
    lines = [
        f"{weeks} weeks ({days[0].day}..{days[-1].day}), {orders:,} orders a weekday, weekends at 40 %, "
        f"{sum(1 for d in days if d.incident)} injected incidents, seed {seed}:",
        "",
        "| check | clean days compared | false alarms (of them at weekends) | incidents compared | caught | missed |",
        "|---|---|---|---|---|---|",
    ]
    for family, f in figures.items():
        lines.append(
            f"| {family} | {f['clean_days_compared']} | {f['false_alarms']} ({f['false_alarms_at_weekends']}) "
            f"| {f['incidents_compared']} | {f['caught']} | {f['missed']} |"
        )
    lines += ["", "| day | incident | old volume | new volume | new drift |", "|---|---|---|---|---|"]
    for d in days:
        if d.incident:
            cells = " | ".join(_checks(d.alarms[f]) for f in FAMILIES[:3])
            lines.append(f"| {d.day} {d.day:%a} | {d.incident} | {cells} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="toy scale: 4 weeks, 30 orders a weekday")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--orders", type=int, default=1000, help="orders on a weekday")
    parser.add_argument(
        "--seed", type=int, default=7, help="the seeder's seed (the data, not the incidents' days)"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.weeks, args.orders = 4, 30
    days = replay(args.weeks, args.orders, args.quick, args.seed)
    print(markdown(days, args.weeks, args.orders, args.seed))
    figures = summary(days)
    if args.json:
        args.json.write_text(
            json.dumps({"weeks": args.weeks, "orders": args.orders, "figures": figures}, indent=2)
        )
    print(json.dumps({f: figures[f] for f in FAMILIES}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
