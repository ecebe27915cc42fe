"""The alerts the chart's PrometheusRule must define, by name: what the issue asks for at least,
and the sections of docs/runbook.md. The chart tests check the rendered rules and the runbook
against it, the monitoring tests that every alert has a promtool case."""

from __future__ import annotations

ALERTS = frozenset(
    {
        "GoldpipeBlockingCheckFailed",
        "GoldpipeRunsFailing",
        "GoldpipeRunStuck",
        "GoldpipeMaintenanceFailed",
        "GoldpipeControllerDown",
        "GoldpipeConfigInvalid",
        "GoldpipeTableNotPublished",
        "GoldpipeTableBehind",
    }
)
