"""The table maintenance ScheduledSparkApplication, from the same templates as the gold schedules.

Same image, catalog ``sparkConf``, credentials and pod settings as a gold run; its own entrypoint
(``maintenance.mainApplicationFile``) and arguments, and the ``table-maintenance`` component, so
the controller never takes one of its runs for a gold run to audit and publish.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goldpipe.core.maintenance import MaintenancePolicy
from goldpipe.deploy.render.manifests import app_context, base_labels, check_name, render_scheduled_app
from goldpipe.deploy.settings import Settings
from goldpipe.deploy.vocabulary import (
    LABEL_SCHEDULE,
    MAINTENANCE_COMPONENT,
    MAINTENANCE_SCHEDULE,
    MAX_SCHEDULE_NAME,
)

# Two maintenance runs at once would race on the same tables' metadata.
CONCURRENCY_POLICY = "Forbid"
# Enough to look at the last runs; maintenance keeps no state in its SparkApplications.
SUCCESSFUL_RUN_HISTORY_LIMIT = 1
FAILED_RUN_HISTORY_LIMIT = 3


def maintenance_arguments(catalog: str, policy: MaintenancePolicy) -> list[str]:
    """Every setting explicit, so a run does what the values said whatever the job's defaults."""

    def flag(name: str, on: bool) -> str:
        return f"--{name}" if on else f"--no-{name}"

    return [
        "--catalog",
        catalog,
        "--snapshot-max-age-days",
        str(policy.snapshot_max_age_days),
        "--retain-last-snapshots",
        str(policy.retain_last_snapshots),
        flag("remove-orphan-files", policy.remove_orphan_files),
        "--orphan-file-min-age-days",
        str(policy.orphan_file_min_age_days),
        flag("rewrite-manifests", policy.rewrite_manifests),
        flag("compaction", policy.compaction),
        "--compaction-min-input-files",
        str(policy.compaction_min_input_files),
        "--compaction-target-file-size-mb",
        str(policy.compaction_target_file_size_mb),
        "--failed-branch-retention-days",
        str(policy.failed_branch_retention_days),
    ]


def maintenance_name(settings: Settings) -> str:
    name = f"{settings.release.fullname}-{MAINTENANCE_SCHEDULE}"
    return check_name(name, MAX_SCHEDULE_NAME, "ScheduledSparkApplication")


def render_maintenance(settings: Settings, templates: Path | None = None) -> list[dict[str, Any]]:
    """The maintenance ScheduledSparkApplication, or nothing when ``maintenance.enabled`` is false."""
    maintenance = settings.maintenance
    if not maintenance.enabled:
        return []
    release = settings.release
    labels = base_labels(release, MAINTENANCE_COMPONENT, {LABEL_SCHEDULE: MAINTENANCE_SCHEDULE})
    timing = {
        "cron": maintenance.cron,
        "timeZone": maintenance.time_zone,
        "concurrencyPolicy": CONCURRENCY_POLICY,
        "suspend": maintenance.suspend,
        "successfulRunHistoryLimit": SUCCESSFUL_RUN_HISTORY_LIMIT,
        "failedRunHistoryLimit": FAILED_RUN_HISTORY_LIMIT,
    }
    app = app_context(
        settings,
        maintenance_arguments(settings.catalog.name, maintenance.policy),
        maintenance.resources,
        labels,
        main_application_file=maintenance.main_application_file,
    )
    return [
        render_scheduled_app(release, maintenance_name(settings), labels, timing, app, templates=templates)
    ]
