"""The chart's alerting rules through promtool: `promtool check rules` on what helm renders, and
`promtool test rules` unit tests in which every alert fires on the series that should wake
someone and stays quiet (or clears) on those that should not."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import PRODUCTION, Helm, Rendered, render_monitoring, rule_groups
from tests.monitoring.conftest import TARGET, write_rules
from tests.support.alerts import ALERTS

pytestmark = pytest.mark.helm

L = 'namespace="analytics",job="goldpipe-controller"'
OTHER = 'namespace="elsewhere",job="goldpipe-controller"'  # another release's series: never ours


def promtool_run(promtool: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("values", [None, PRODUCTION], ids=["defaults", "production"])
def test_promtool_checks_the_rendered_rules(
    helm: Helm, promtool: Path, tmp_path: Path, values: Path | None
) -> None:
    rendered = render_monitoring(helm, yaml.safe_load(values.read_text()) if values else None)
    rules = write_rules(rendered, tmp_path / "rules.yaml")
    count = sum(len(g["rules"]) for g in rule_groups(rendered))
    proc = promtool_run(promtool, "check", "rules", rules, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {count} rules found" in proc.stdout


def test_promtool_rejects_a_broken_rule(monitoring: Rendered, promtool: Path, tmp_path: Path) -> None:
    """Not vacuous: promtool parses the expressions and the annotation templates."""
    for broken in ("expr", "annotation"):
        groups = rule_groups(monitoring)
        rule = groups[0]["rules"][0]
        if broken == "expr":
            rule["expr"] = rule["expr"].replace(") > 0", " > 0")
        else:
            rule["annotations"]["summary"] = "{{ $labels.table "
        path = tmp_path / f"{broken}.yaml"
        path.write_text(yaml.safe_dump({"groups": groups}))
        proc = promtool_run(promtool, "check", "rules", path, cwd=tmp_path)
        assert proc.returncode != 0, broken


def case(
    name: str, interval: str, series: dict[str, str], checks: list[tuple[str, list[dict[str, str]]]]
) -> dict[str, Any]:
    """One promtool test group: ``series`` (selector -> values) and, per eval time, the alerts
    ``name`` expected then (their labels; an empty list: not firing)."""
    return {
        "name": name,
        "interval": interval,
        "input_series": [{"series": s, "values": v} for s, v in series.items()],
        "alert_rule_test": [
            {"eval_time": at, "alertname": name, "exp_alerts": [{"exp_labels": labels} for labels in firing]}
            for at, firing in checks
        ],
    }


def labelled(severity: str, **extra: str) -> dict[str, str]:
    return {"severity": severity, **TARGET, **extra}


DSS = "daily_sales_summary"
CASES = [
    case(
        "GoldpipeBlockingCheckFailed",
        "1m",
        {
            f'goldpipe_table_last_run_blocking_check_failures{{{L},table="{DSS}"}}': "0 0 2 2 0 0",
            f'goldpipe_table_last_run_blocking_check_failures{{{L},table="rejected_rows"}}': "0 0 0 0 0 0",
            f'goldpipe_table_last_run_blocking_check_failures{{{OTHER},table="{DSS}"}}': "5 5 5 5 5 5",
        },
        [
            ("1m", []),
            ("2m", [labelled("critical", table=DSS)]),
            ("3m", [labelled("critical", table=DSS)]),
            ("4m", []),
        ],
    ),
    case(
        "GoldpipeRunsFailing",
        "1h",
        {
            f'goldpipe_runs_failed_total{{{L},reason="run_failed"}}': "0 1 1 1x60",
            f'goldpipe_runs_failed_total{{{L},reason="checks_failed"}}': "0 0 1 1x60",
            f'goldpipe_runs_failed_total{{{L},reason="stuck"}}': "0 5 9 9x60",  # has its own alert
            f'goldpipe_runs_failed_total{{{OTHER},reason="run_failed"}}': "0 9 18 18x60",
        },
        [("1h", []), ("2h", [labelled("warning")]), ("47h", [labelled("warning")]), ("55h", [])],
    ),
    case(
        "GoldpipeRunStuck",
        "1m",
        {f"goldpipe_overdue_runs{{{L}}}": "0 1 1 0", f"goldpipe_overdue_runs{{{OTHER}}}": "1 1 1 1"},
        [("0m", []), ("1m", [labelled("warning")]), ("3m", [])],
    ),
    case(
        # One maintenance run failed at 2h (a completed one does not count): firing for a day.
        "GoldpipeMaintenanceFailed",
        "1h",
        {
            f'goldpipe_maintenance_runs_processed_total{{{L},result="failed"}}': "0 0 1 1x40",
            f'goldpipe_maintenance_runs_processed_total{{{L},result="completed"}}': "0 1 1 2x40",
            f'goldpipe_maintenance_runs_processed_total{{{OTHER},result="failed"}}': "0 1 2 3x40",
        },
        [("1h", []), ("2h", [labelled("warning")]), ("24h", [labelled("warning")]), ("28h", [])],
    ),
    case(
        "GoldpipeControllerDown",
        "1m",
        {f"up{{{L}}}": "1 1 0x20", f"up{{{OTHER}}}": "1x22"},
        [("2m", []), ("6m", []), ("8m", [{"severity": "critical"}])],
    ),
    case(
        "GoldpipeConfigInvalid",
        "1m",
        {f"goldpipe_config_valid{{{L}}}": "1 0x10 1x5", f"goldpipe_config_valid{{{OTHER}}}": "0x16"},
        [("3m", []), ("7m", [labelled("warning")]), ("13m", [])],
    ),
    case(
        # Published at t=0 (the value is Unix seconds), SLA 30h; published again at 32h. One sample
        # a minute: a rule only sees samples of the last 5 minutes (Prometheus' lookback).
        "GoldpipeTableNotPublished",
        "1m",
        {
            f'goldpipe_table_last_published_timestamp_seconds{{{L},table="{DSS}"}}': "0x1919 115200x120",
            f'goldpipe_table_last_published_timestamp_seconds{{{OTHER},table="{DSS}"}}': "0x2040",
        },
        [("29h", []), ("30h3m", []), ("31h", [labelled("critical", table=DSS)]), ("33h", [])],
    ),
    case(
        # Newest day: day 0 (1970-01-01) until 56h, then day 1. Yesterday is day 0 on day 1 (from
        # 24h): fine; on day 2 (from 48h) day 0 is behind, firing 6h later (behindFor).
        "GoldpipeTableBehind",
        "1m",
        {
            f'goldpipe_table_newest_day_timestamp_seconds{{{L},table="{DSS}"}}': "0x3359 86400x120",
            f'goldpipe_table_newest_day_timestamp_seconds{{{OTHER},table="{DSS}"}}': "0x3480",
        },
        [("40h", []), ("50h", []), ("55h", [labelled("warning", table=DSS)]), ("57h", [])],
    ),
]


def test_every_alert_fires_and_clears(monitoring: Rendered, promtool: Path, tmp_path: Path) -> None:
    assert {c["name"] for c in CASES} == ALERTS
    groups = rule_groups(monitoring)
    # promtool compares annotations exactly; their templates are checked by `promtool check rules`
    # above and expanded by a real Prometheus (test_prometheus.py). Here: expr, for and labels.
    for group in groups:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    tests = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": CASES}
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = promtool_run(promtool, "test", "rules", "tests.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_a_wrong_expectation_fails(monitoring: Rendered, promtool: Path, tmp_path: Path) -> None:
    """Not vacuous: promtool really evaluates the cases (a quiet alert expected to fire fails)."""
    groups = rule_groups(monitoring)
    for group in groups:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    wrong = case(
        "GoldpipeRunStuck", "1m", {f"goldpipe_overdue_runs{{{L}}}": "0 0"}, [("1m", [labelled("warning")])]
    )
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump({"rule_files": ["rules.yaml"], "tests": [wrong]}))
    proc = promtool_run(promtool, "test", "rules", "tests.yaml", cwd=tmp_path)
    assert proc.returncode != 0
    assert "FAILED" in proc.stdout + proc.stderr
