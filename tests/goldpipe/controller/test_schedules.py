"""The controller's schedule reconciliation against FakeKube (a fake API, see tests/fakes)."""

from __future__ import annotations

import copy

import yaml

from goldpipe.controller.runtime import Controller
from goldpipe.controller.schedules import plan_schedules
from goldpipe.deploy.kube import KubeError
from goldpipe.deploy.vocabulary import ANNOTATION_APPLIED_HASH, SCHEDULED_APPS
from tests.goldpipe.controller.conftest import write_config


def schedules(kube):
    return kube.objects.get(SCHEDULED_APPS, {})


def test_from_scratch_creates_the_schedules_owned_by_the_configmap(kube, config_dir):
    controller = Controller(kube=kube, config_dir=config_dir)
    controller.reconcile_once()
    assert controller.ready and controller.last_error is None
    assert set(schedules(kube)) == {"goldpipe-nightly", "goldpipe-maintenance"}
    for doc in schedules(kube).values():
        [owner] = doc["metadata"]["ownerReferences"]
        assert (owner["kind"], owner["name"], owner["uid"]) == (
            "ConfigMap",
            "goldpipe-config",
            kube.configmaps["goldpipe-config"]["metadata"]["uid"],
        )
    assert [e["reason"] for e in kube.events] == ["Applied", "Applied"]


def test_reconciling_again_changes_nothing(kube, config_dir):
    Controller(kube=kube, config_dir=config_dir).reconcile_once()
    version = schedules(kube)["goldpipe-nightly"]["metadata"]["resourceVersion"]
    writes = len(kube.writes)
    # The same controller, and a restarted one: both see nothing to do.
    for controller in (
        Controller(kube=kube, config_dir=config_dir),
        Controller(kube=kube, config_dir=config_dir),
    ):
        controller.reconcile_once()
        controller.reconcile_once()
    assert len(kube.writes) == writes
    assert schedules(kube)["goldpipe-nightly"]["metadata"]["resourceVersion"] == version


def test_rescale_reapplies_with_new_resources(kube, config_dir, values):
    controller = Controller(kube=kube, config_dir=config_dir)
    controller.reconcile_once()
    values["schedules"]["nightly"]["executor"] = {"instances": 6, "memory": "4g"}
    write_config(config_dir, values)
    controller.reconcile_once()
    executor = schedules(kube)["goldpipe-nightly"]["spec"]["template"]["executor"]
    assert (executor["instances"], executor["memory"]) == (6, "4g")
    # nightly and maintenance, then nightly again: maintenance has resources of its own.
    assert [(w[0], w[2]) for w in kube.writes] == [
        ("apply", "goldpipe-nightly"),
        ("apply", "goldpipe-maintenance"),
        ("apply", "goldpipe-nightly"),
    ]


def test_a_removed_field_is_removed_and_a_hand_edit_is_reverted(kube, config_dir, values):
    values["spark"]["hadoopConf"] = {"fs.s3a.fast.upload": "true"}
    write_config(config_dir, values)
    controller = Controller(kube=kube, config_dir=config_dir)
    controller.reconcile_once()
    assert "hadoopConf" in schedules(kube)["goldpipe-nightly"]["spec"]["template"]
    values["spark"]["hadoopConf"] = {}
    write_config(config_dir, values)
    controller.reconcile_once()
    assert "hadoopConf" not in schedules(kube)["goldpipe-nightly"]["spec"]["template"]
    # Drift: someone edits a field goldpipe owns; the next pass puts it back.
    schedules(kube)["goldpipe-nightly"]["spec"]["schedule"] = "* * * * *"
    controller.reconcile_once()
    assert schedules(kube)["goldpipe-nightly"]["spec"]["schedule"] == "0 2 * * *"


def test_split_schedule_then_removal_deletes_the_schedule(kube, config_dir, values):
    controller = Controller(kube=kube, config_dir=config_dir)
    values["schedules"]["nightly"]["jobs"] = [
        "daily_sales_summary",
        "daily_customer_analytics",
        "rejected_rows",
    ]
    values["schedules"]["products"] = {
        **copy.deepcopy(values["schedules"]["nightly"]),
        "jobs": ["product_performance_analytics"],
        "schedule": "30 3 * * *",
        "executor": {"instances": 4},
    }
    write_config(config_dir, values)
    controller.reconcile_once()
    assert set(schedules(kube)) == {"goldpipe-nightly", "goldpipe-products", "goldpipe-maintenance"}
    assert schedules(kube)["goldpipe-products"]["spec"]["template"]["executor"]["instances"] == 4
    del values["schedules"]["products"]
    write_config(config_dir, values)
    controller.reconcile_once()
    assert set(schedules(kube)) == {"goldpipe-nightly", "goldpipe-maintenance"}
    assert ("delete", SCHEDULED_APPS, "goldpipe-products") in kube.writes


def test_schedules_of_other_releases_are_left_alone(kube, config_dir):
    other = {
        "metadata": {
            "name": "other-nightly",
            "labels": {
                "app.kubernetes.io/instance": "other",
                "app.kubernetes.io/managed-by": "goldpipe-controller",
                "app.kubernetes.io/component": "gold-job",
            },
        },
        "spec": {},
    }
    kube.apply_object(SCHEDULED_APPS, other)
    Controller(kube=kube, config_dir=config_dir).reconcile_once()
    assert "other-nightly" in schedules(kube)


def test_invalid_config_warns_once_and_keeps_the_last_good_schedules(kube, config_dir, values):
    controller = Controller(kube=kube, config_dir=config_dir)
    controller.reconcile_once()
    before = copy.deepcopy(schedules(kube))
    # A hand-edited ConfigMap: executors 0 and a bad cron expression.
    broken = copy.deepcopy(values)
    broken["defaults"]["executor"]["instances"] = 0
    broken["schedules"]["nightly"]["schedule"] = "every night"
    (config_dir / "values.yaml").write_text(yaml.safe_dump(broken))
    controller.reconcile_once()
    controller.reconcile_once()
    assert schedules(kube) == before
    warnings = [e for e in kube.events if e["type"] == "Warning"]
    assert len(warnings) == 1
    assert warnings[0]["reason"] == "InvalidConfig" and warnings[0]["kind"] == "ConfigMap"
    assert "defaults/executor/instances" in warnings[0]["message"]
    assert "schedules/nightly/schedule" in warnings[0]["message"]
    assert controller.metrics.config_valid._value.get() == 0
    # Fixed again: back to normal, nothing to apply.
    write_config(config_dir, values)
    controller.reconcile_once()
    assert controller.last_error is None and schedules(kube) == before


def test_unparseable_yaml_in_the_configmap_is_an_invalid_config(kube, config_dir):
    controller = Controller(kube=kube, config_dir=config_dir)
    controller.reconcile_once()
    (config_dir / "values.yaml").write_text("schedules: [unclosed\n")
    controller.reconcile_once()
    assert "not valid YAML" in controller.last_error


def test_api_errors_leave_the_controller_not_ready_then_it_recovers(kube, config_dir):
    controller = Controller(kube=kube, config_dir=config_dir)
    kube.failures.append(KubeError("list scheduledsparkapplications failed: HTTP 503"))
    controller.reconcile_once()
    assert not controller.ready and "goldpipe-nightly" not in schedules(kube)
    controller.reconcile_once()
    assert controller.ready and "goldpipe-nightly" in schedules(kube)


def test_plan_is_pure_and_complete():
    desired = [
        {
            "metadata": {"name": "a", "labels": {}, "annotations": {ANNOTATION_APPLIED_HASH: "1"}},
            "spec": {"x": 1},
        }
    ]
    live = [
        {
            "metadata": {"name": "a", "labels": {}, "annotations": {ANNOTATION_APPLIED_HASH: "1"}},
            "spec": {"x": 1, "extra": 2},
        },
        {"metadata": {"name": "b", "labels": {}, "annotations": {}}, "spec": {}},
    ]
    plan = plan_schedules(desired, live)
    assert (plan.apply, plan.delete, plan.unchanged) == ([], ["b"], ["a"])
    live[0]["spec"]["x"] = 2
    assert [d["metadata"]["name"] for d in plan_schedules(desired, live).apply] == ["a"]


def test_maintenance_is_applied_when_enabled_deleted_when_disabled_and_leaves_gold_alone(
    kube, config_dir, values
):
    controller = Controller(kube=kube, config_dir=config_dir)
    controller.reconcile_once()
    maintenance = schedules(kube)["goldpipe-maintenance"]
    assert maintenance["metadata"]["labels"]["app.kubernetes.io/component"] == "table-maintenance"
    nightly_version = schedules(kube)["goldpipe-nightly"]["metadata"]["resourceVersion"]
    values["maintenance"]["enabled"] = False
    write_config(config_dir, values)
    controller.reconcile_once()
    assert set(schedules(kube)) == {"goldpipe-nightly"}
    assert kube.writes[-1] == ("delete", SCHEDULED_APPS, "goldpipe-maintenance")
    assert schedules(kube)["goldpipe-nightly"]["metadata"]["resourceVersion"] == nightly_version
    values["maintenance"]["enabled"] = True
    values["maintenance"]["schedule"] = "0 6 * * 0"
    write_config(config_dir, values)
    controller.reconcile_once()
    assert schedules(kube)["goldpipe-maintenance"]["spec"]["schedule"] == "0 6 * * 0"
    assert schedules(kube)["goldpipe-nightly"]["metadata"]["resourceVersion"] == nightly_version


def test_plan_deletes_a_live_maintenance_schedule_no_longer_desired():
    def doc(name, component):
        labels = {"app.kubernetes.io/component": component}
        return {
            "metadata": {"name": name, "labels": labels, "annotations": {ANNOTATION_APPLIED_HASH: "1"}},
            "spec": {},
        }

    nightly, maintenance = doc("g-nightly", "gold-job"), doc("g-maintenance", "table-maintenance")
    assert plan_schedules([nightly], [nightly, maintenance]).delete == ["g-maintenance"]
    plan = plan_schedules([nightly, maintenance], [nightly])
    assert [d["metadata"]["name"] for d in plan.apply] == ["g-maintenance"] and plan.unchanged == [
        "g-nightly"
    ]
