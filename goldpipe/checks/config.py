"""Check configuration from the values' ``checks:`` section: defaults, overridden per job."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goldpipe.checks.model import SEVERITIES, Severity
from goldpipe.errors import ConfigError

CHECK_NAMES = ("schema", "completeness", "uniqueness", "reconciliation", "freshness", "volumeAnomaly")

# The chart's defaults, so the CLI and tests work without a values file.
DEFAULTS: dict[str, dict[str, Any]] = {
    "schema": {"enabled": True, "severity": "blocking"},
    "completeness": {"enabled": True, "severity": "blocking"},
    "uniqueness": {"enabled": True, "severity": "blocking"},
    "reconciliation": {"enabled": True, "severity": "blocking"},
    "freshness": {"enabled": True, "severity": "warning", "allowedLagDays": 0, "commitSlaHours": 30},
    "volumeAnomaly": {
        "enabled": True,
        "severity": "warning",
        "maxDeviation": 0.5,
        "windowDays": 14,
        "minHistoryDays": 5,
    },
}


@dataclass(frozen=True)
class CheckSettings:
    name: str
    enabled: bool
    severity: Severity
    options: Mapping[str, Any]

    def option(self, key: str) -> Any:
        return self.options[key]


@dataclass(frozen=True)
class ChecksConfig:
    """Per job, the settings of every check (defaults merged with the job's overrides)."""

    enabled: bool
    by_job: Mapping[str, Mapping[str, CheckSettings]]

    def for_job(self, job: str, check: str) -> CheckSettings:
        return self.by_job[job][check]


def checks_config(section: Mapping[str, Any] | None, jobs: tuple[str, ...]) -> ChecksConfig:
    section = section or {}
    if not isinstance(section, Mapping):
        raise ConfigError(
            f"checks must be a mapping (enabled, defaults, jobs), not a {type(section).__name__}"
        )
    defaults = {
        name: {**DEFAULTS[name], **((section.get("defaults") or {}).get(name) or {})} for name in CHECK_NAMES
    }
    by_job: dict[str, dict[str, CheckSettings]] = {}
    for job in jobs:
        overrides = (section.get("jobs") or {}).get(job) or {}
        by_job[job] = {}
        for name in CHECK_NAMES:
            merged = {**defaults[name], **(overrides.get(name) or {})}
            severity = merged.pop("severity")
            if severity not in SEVERITIES:
                raise ConfigError(
                    f"checks: severity of {name} for {job} must be blocking or warning, got {severity!r}"
                )
            enabled = bool(merged.pop("enabled"))
            by_job[job][name] = CheckSettings(name, enabled, severity, merged)
    return ChecksConfig(enabled=bool(section.get("enabled", True)), by_job=by_job)
