"""Check settings as a deployment has them: the chart's values.yaml defaults, with overrides."""

from __future__ import annotations

from typing import Any

from goldpipe.checks.config import ChecksConfig, checks_config
from goldpipe.core.contract import JOB_NAMES
from goldpipe.deploy.values import chart_values, merge_values


def chart_checks(overrides: dict[str, Any] | None = None, jobs: tuple[str, ...] = JOB_NAMES) -> ChecksConfig:
    return checks_config(merge_values(chart_values(None)["checks"], overrides or {}), jobs)
