"""Check configuration from the values' ``checks:`` section: defaults, overridden per job."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from goldpipe.checks.baselines import SEASONALITIES, BaselineSettings
from goldpipe.checks.model import SEVERITIES, Severity
from goldpipe.core.errors import ConfigError

CHECK_NAMES = (
    "schema",
    "completeness",
    "uniqueness",
    "reconciliation",
    "freshness",
    "volumeAnomaly",
    "distributionDrift",
)


@dataclass(frozen=True)
class CheckSettings:
    name: str
    enabled: bool
    severity: Severity
    options: Mapping[str, Any]

    def option(self, key: str) -> Any:
        return self.options[key]

    @property
    def seasonality(self) -> str:
        return str(self.options.get("seasonality", "none"))

    def baseline(self) -> BaselineSettings:
        """The settings of a robust baseline (``volumeAnomaly`` with ``day_of_week``,
        ``distributionDrift``): ``ConfigError`` naming the value when one is off."""
        seasonality = self.seasonality
        if seasonality not in SEASONALITIES:
            raise ConfigError(
                f"checks: seasonality of {self.name} must be one of {', '.join(SEASONALITIES)}, "
                f"got {seasonality!r}"
            )
        weeks, min_weeks = int(self.option("historyWeeks")), int(self.option("minHistoryWeeks"))
        if not 1 <= min_weeks <= weeks:
            raise ConfigError(
                f"checks: {self.name} needs 1 <= minHistoryWeeks <= historyWeeks, got {min_weeks} and {weeks}"
            )
        return BaselineSettings(
            seasonality,  # checked just above
            history_weeks=weeks,
            min_history_weeks=min_weeks,
            tolerance=float(self.option("tolerance")),
            min_relative_spread=float(self.option("minRelativeSpread")),
        )


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
    # The chart's values.yaml is the one source of defaults: Helm merges it under every
    # release's values, so a section without a check's defaults did not come from the chart.
    given = section.get("defaults") or {}
    missing = [name for name in CHECK_NAMES if not isinstance(given.get(name), Mapping)]
    if missing:
        raise ConfigError(
            f"checks.defaults has no settings for {', '.join(missing)}; "
            "they come from the chart's values.yaml"
        )
    defaults = {name: dict(given[name]) for name in CHECK_NAMES}
    by_job: dict[str, dict[str, CheckSettings]] = {}
    for job in jobs:
        overrides = (section.get("jobs") or {}).get(job) or {}
        by_job[job] = {}
        for name in CHECK_NAMES:
            merged = {**defaults[name], **(overrides.get(name) or {})}
            severity = merged.pop("severity", None)
            if severity not in SEVERITIES:
                raise ConfigError(
                    f"checks: severity of {name} for {job} must be blocking or warning, got {severity!r}"
                )
            enabled = bool(merged.pop("enabled", True))
            settings = CheckSettings(name, enabled, severity, merged)
            if enabled and (name == "distributionDrift" or settings.seasonality != "none"):
                settings.baseline()  # a bad value fails here, at load, not in the first audit
            by_job[job][name] = settings
    return ChecksConfig(enabled=bool(section.get("enabled", True)), by_job=by_job)
