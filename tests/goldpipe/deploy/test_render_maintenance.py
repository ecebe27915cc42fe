"""The table maintenance schedule: rendered like a gold schedule, its own entrypoint and labels."""

from __future__ import annotations

import pytest

from goldpipe.controller.schedules import desired_schedules
from goldpipe.core.errors import ConfigError
from goldpipe.deploy.render.maintenance import render_maintenance
from goldpipe.deploy.render.manifests import render_schedules
from goldpipe.deploy.values import chart_values
from goldpipe.deploy.vocabulary import runs_selector, schedules_selector
from spark_apps.maintenance import parse_args
from tests.support.pipeline_settings import PRODUCTION, settings_for


def _matches(selector: str, labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in (part.split("=", 1) for part in selector.split(",")))


def test_maintenance_shares_image_catalog_credentials_and_pods_with_the_gold_runs():
    settings = settings_for(PRODUCTION)
    [gold, *_] = render_schedules(settings)
    [doc] = render_maintenance(settings)
    assert doc["metadata"]["name"] == "goldpipe-maintenance"
    spec, gold_spec = doc["spec"]["template"], gold["spec"]["template"]
    for key in ("image", "imagePullPolicy", "sparkVersion", "sparkConf", "restartPolicy"):
        assert spec[key] == gold_spec[key], key
    for role in ("driver", "executor"):
        pod, gold_pod = spec[role]["template"]["spec"], gold_spec[role]["template"]["spec"]
        assert pod == gold_pod, role  # security contexts, env with the credentials, volumes
    assert spec["mainApplicationFile"] == "local:///opt/goldpipe/spark_apps/maintenance.py"
    assert doc["spec"]["concurrencyPolicy"] == "Forbid"
    assert (doc["spec"]["schedule"], doc["spec"]["timeZone"]) == ("0 5 * * *", "UTC")


def test_the_arguments_say_what_the_values_say_and_the_job_accepts_them():
    settings = settings_for(
        maintenance__snapshotMaxAgeDays=3,
        maintenance__removeOrphanFiles=False,
        maintenance__failedBranchRetentionDays=2,
        maintenance__compaction={"enabled": True, "minInputFiles": 8, "targetFileSizeMB": 256},
    )
    [doc] = render_maintenance(settings)
    args, policy = parse_args(doc["spec"]["template"]["arguments"])
    assert args.catalog == settings.catalog.name and not args.dry_run
    assert policy == settings.maintenance.policy
    assert (policy.snapshot_max_age_days, policy.remove_orphan_files, policy.compaction_min_input_files) == (
        3,
        False,
        8,
    )


def test_its_runs_are_no_gold_runs_but_the_controller_owns_the_schedule():
    settings = settings_for()
    [doc] = render_maintenance(settings)
    labels = doc["metadata"]["labels"]
    assert not _matches(runs_selector("goldpipe"), labels)  # never audited or published
    assert _matches(schedules_selector("goldpipe"), labels)  # deleted when disabled
    assert "goldpipe.io/job" not in labels


def test_disabled_means_no_maintenance_schedule():
    settings = settings_for(maintenance__enabled=False)
    assert render_maintenance(settings) == []
    assert [d["metadata"]["name"] for d in desired_schedules(settings)] == ["goldpipe-nightly"]


def test_driver_and_executor_come_from_the_maintenance_values():
    [doc] = render_maintenance(
        settings_for(maintenance__executor={"instances": 3, "cores": 2, "memory": "3g"})
    )
    executor = doc["spec"]["template"]["executor"]
    assert (executor["instances"], executor["cores"], executor["memory"]) == (3, 2, "3g")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("orphanFileMinAgeDays", 0, "maintenance/orphanFileMinAgeDays"),
        ("failedBranchRetentionDays", 30, "maintenance/failedBranchRetentionDays"),
        ("schedule", "weekly", "maintenance/schedule"),
        ("retainLastSnapshots", "5", "maintenance/retainLastSnapshots"),
    ],
)
def test_bad_maintenance_values_are_refused_naming_the_key(key, value, message):
    with pytest.raises(ConfigError, match=message):
        settings_for(**{f"maintenance__{key}": value})


def test_a_schedule_cannot_take_the_maintenance_name():
    values = chart_values(None)
    with pytest.raises(ConfigError, match="schedules"):
        settings_for(schedules={"maintenance": {**values["schedules"]["nightly"]}, "nightly": None})


def test_the_chart_defaults_are_the_jobs_defaults():
    """values.yaml is where defaults live; the job's own (for a bare spark-submit) must agree."""
    from goldpipe.core.maintenance import MaintenancePolicy

    assert settings_for().maintenance.policy == MaintenancePolicy()
