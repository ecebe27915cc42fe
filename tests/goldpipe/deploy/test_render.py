"""Rendering the Spark Operator resources: CRD-valid, restricted pods, names, bad input."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from goldpipe.core.errors import ConfigError
from goldpipe.deploy.release import derive_release
from goldpipe.deploy.render.crds import crds_dir, manifest_errors
from goldpipe.deploy.render.maintenance import render_maintenance
from goldpipe.deploy.render.manifests import render_run, render_schedules, render_template
from goldpipe.deploy.render.yaml_safety import to_yaml
from goldpipe.deploy.settings import pipeline_settings
from goldpipe.deploy.values import chart_metadata, chart_values, find_chart_dir
from goldpipe.deploy.vocabulary import MAX_RUN_NAME, MAX_SCHEDULE_NAME
from tests.conftest import require
from tests.support.pipeline_settings import PRODUCTION, settings_for

ROOT = find_chart_dir()
DAY = dt.date(2026, 11, 20)


@pytest.fixture(params=["defaults", "production"])
def settings(request):
    return settings_for(None if request.param == "defaults" else PRODUCTION)


def all_manifests(settings):
    docs = [*render_schedules(settings), *render_maintenance(settings)]
    for schedule in settings.schedules:
        for job in schedule.jobs:
            docs.append(render_run(settings, job, DAY))
    return docs


def test_crds_are_found_for_validation():
    require(
        "crds", crds_dir() is not None, "no Spark Operator CRDs: run scripts/install-tools.sh control-plane"
    )
    assert sorted(p.name for p in crds_dir().glob("*.yaml")) == [
        "sparkoperator.k8s.io_scheduledsparkapplications.yaml",
        "sparkoperator.k8s.io_sparkapplications.yaml",
        "sparkoperator.k8s.io_sparkconnects.yaml",
    ]


def test_every_manifest_validates_against_the_crds(settings):
    docs = all_manifests(settings)
    assert docs
    for doc in docs:
        assert manifest_errors(doc) == [], doc["metadata"]["name"]


def test_validation_catches_a_wrong_field():
    doc = render_schedules(settings_for())[0]
    broken = copy.deepcopy(doc)
    broken["spec"]["template"]["driver"]["cores"] = "one"
    broken["spec"]["template"]["executor"]["instancez"] = 2
    errors = manifest_errors(broken)
    assert any("driver/cores" in e for e in errors)
    assert any("instancez" in e for e in errors)


def _pods(doc):
    spec = doc["spec"].get("template", doc["spec"])
    return {"driver": spec["driver"], "executor": spec["executor"]}


def _pod_spec(pod):
    """The pod template the operator hands to spark-submit (the webhook-free path)."""
    return pod["template"]["spec"]


def test_driver_and_executor_pods_meet_the_restricted_profile(settings):
    for doc in all_manifests(settings):
        for role, pod in _pods(doc).items():
            spec = _pod_spec(pod)
            [container] = spec["containers"]
            assert container["name"] == f"spark-kubernetes-{role}"
            psc, sc = spec["securityContext"], container["securityContext"]
            assert psc["runAsNonRoot"] is True and psc.get("runAsUser", 1) != 0, role
            assert psc["seccompProfile"]["type"] == "RuntimeDefault", role
            assert sc["allowPrivilegeEscalation"] is False, role
            assert sc["capabilities"]["drop"] == ["ALL"], role
            assert "add" not in sc["capabilities"] and not sc.get("privileged"), role


def test_default_schedule_is_one_nightly_application_of_all_jobs():
    [doc] = render_schedules(settings_for())
    spec = doc["spec"]
    assert doc["metadata"]["name"] == "goldpipe-nightly"
    assert (spec["schedule"], spec["timeZone"], spec["concurrencyPolicy"]) == ("0 2 * * *", "UTC", "Forbid")
    args = spec["template"]["arguments"]
    assert args[:2] == [
        "--jobs",
        "daily_sales_summary,daily_customer_analytics,product_performance_analytics,rejected_rows",
    ]
    assert args[2:6] == ["--date", "auto", "--max-catch-up-days", "7"]
    labels = doc["metadata"]["labels"]
    assert labels["goldpipe.io/job"] == "all" and labels["goldpipe.io/schedule"] == "nightly"
    assert labels["app.kubernetes.io/managed-by"] == "goldpipe-controller"
    conf = spec["template"]["sparkConf"]
    assert conf["spark.sql.catalog.lake.uri"] == "jdbc:sqlite:/lake/catalog.db"
    for role in ("driver", "executor"):
        pod = _pod_spec(spec["template"][role])
        # /tmp as a volume: the image's root filesystem is read-only.
        assert pod["volumes"] == [
            {"name": "tmp", "emptyDir": {}},
            {"name": "lakehouse", "persistentVolumeClaim": {"claimName": "goldpipe-lakehouse"}},
        ]
        assert pod["containers"][0]["volumeMounts"] == [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "lakehouse", "mountPath": "/lake"},
        ]
        assert pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


def test_production_split_schedule_gets_its_own_resources_and_secrets_by_reference():
    docs = {d["metadata"]["name"]: d for d in render_schedules(settings_for(PRODUCTION))}
    assert len(docs) == 2
    specs = [d["spec"]["template"] for d in docs.values()]
    assert {s["arguments"][1].count(",") for s in specs} == {0, 2}
    env = _pod_spec(specs[0]["driver"])["containers"][0]["env"]
    credentials = [
        e for e in env if e["name"].startswith("GOLDPIPE_CATALOG_") or e["name"].startswith("AWS_SECRET")
    ]
    assert credentials
    for entry in credentials:
        assert set(entry) == {"name", "valueFrom"}, entry
        assert set(entry["valueFrom"]["secretKeyRef"]) == {"name", "key"}


def test_rescaling_changes_only_the_resources():
    small = render_schedules(settings_for())[0]
    big = render_schedules(settings_for(defaults__executor__instances=8, defaults__executor__memory="8g"))[0]
    assert big["spec"]["template"]["executor"]["instances"] == 8
    assert big["spec"]["template"]["executor"]["memory"] == "8g"
    small["spec"]["template"]["executor"].update(instances=8, memory="8g")
    assert small == big


def test_dynamic_allocation_drops_the_fixed_executor_count():
    doc = render_schedules(settings_for(defaults__dynamicAllocation__enabled=True))[0]
    template = doc["spec"]["template"]
    assert "instances" not in template["executor"]
    assert template["dynamicAllocation"]["enabled"] is True
    assert manifest_errors(doc) == []


def test_one_off_run_carries_job_and_date():
    doc = render_run(settings_for(), "product_performance_analytics", DAY)
    assert doc["kind"] == "SparkApplication"
    assert doc["metadata"]["name"] == "goldpipe-product-performance-analytics-20261120"
    assert doc["metadata"]["labels"]["goldpipe.io/date"] == "2026-11-20"
    assert doc["spec"]["arguments"][:4] == ["--jobs", "product_performance_analytics", "--date", "2026-11-20"]


def test_too_long_names_fail_with_the_limit():
    with pytest.raises(ConfigError, match=f"at most {MAX_SCHEDULE_NAME} are allowed"):
        render_schedules(settings_for(release="a-rather-long-release-name-for-analytics"))
    with pytest.raises(ConfigError, match=f"at most {MAX_RUN_NAME} are allowed"):
        render_run(settings_for(release="a-rather-long-release-name-x"), "product_performance_analytics", DAY)
    assert MAX_RUN_NAME + len("-ui-svc") == 63


def test_a_job_in_two_schedules_is_refused():
    values = chart_values(None)
    values["schedules"]["products"] = {
        **values["schedules"]["nightly"],
        "jobs": ["product_performance_analytics"],
    }
    rel = derive_release(values, release_name="goldpipe", namespace="analytics", chart=chart_metadata())
    with pytest.raises(ConfigError, match="job product_performance_analytics is in schedules"):
        pipeline_settings(values, rel)


def test_invalid_values_fail_with_the_schema_message():
    values = chart_values(None)
    values["defaults"]["executor"]["instances"] = 0
    values["schedules"]["nightly"]["timeZone"] = "Mars/Olympus"
    rel = derive_release(values, release_name="goldpipe", namespace="analytics", chart=chart_metadata())
    with pytest.raises(ConfigError) as info:
        pipeline_settings(values, rel)
    assert "defaults/executor/instances" in str(info.value)
    assert "schedules/nightly/timeZone" in str(info.value)


def test_strict_undefined_turns_a_missing_value_into_an_error(tmp_path):
    (tmp_path / "t.yaml.j2").write_text("a: {{ missing | yaml }}\n")
    with pytest.raises(ConfigError, match="'missing' is undefined"):
        render_template("t.yaml.j2", {}, tmp_path)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a: b",
        "# not a comment",
        "x\ny: z",
        "---",
        "{{ x }}",
        "'\"",
        "\ud7ff\U0001f600",
        1,
        True,
        None,
        1e-05,
        2.5,
        [1, "a"],
        {"k: v": "#"},
    ],
)
def test_yaml_filter_round_trips(value):
    assert yaml.safe_load(f"key: {to_yaml(value)}\n") == {"key": value}


def test_yaml_filter_rejects_non_finite_numbers():
    with pytest.raises(ConfigError):
        to_yaml(float("nan"))


@pytest.mark.parametrize("profile", ["values-jdbc-s3.yaml", "values-rest-s3.yaml"])
def test_the_production_profiles_render_catalog_settings_and_secret_references(profile):
    values_file = Path(__file__).resolve().parents[2] / "production" / profile
    [doc] = render_schedules(settings_for(values_file))
    template = doc["spec"]["template"]
    conf = template["sparkConf"]
    catalog = yaml.safe_load(values_file.read_text())["catalog"]
    assert conf["spark.sql.catalog.lake.type"] == catalog["type"]
    assert conf["spark.sql.catalog.lake.io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"
    # A REST catalog's server owns the warehouse: no empty or embedded one is rendered.
    assert conf.get("spark.sql.catalog.lake.warehouse") == (catalog["warehouse"] or None)
    assert not any("lake" in str(v) and "/lake/" in str(v) for v in conf.values())  # no embedded path
    for role in ("driver", "executor"):
        env = {e["name"]: e for e in _pod_spec(template[role])["containers"][0]["env"]}
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            assert set(env[name]) == {"name", "valueFrom"} and env[name]["valueFrom"]["secretKeyRef"]
    # No embedded lakehouse volume: only /tmp.
    assert _pod_spec(template["driver"])["volumes"] == [{"name": "tmp", "emptyDir": {}}]


def test_core_requests_are_rendered_only_when_set():
    [default] = render_schedules(settings_for())
    for role in ("driver", "executor"):
        assert "coreRequest" not in default["spec"]["template"][role]
    [small] = render_schedules(
        settings_for(defaults__driver__coreRequest="250m", defaults__executor__coreRequest="0.5")
    )
    template = small["spec"]["template"]
    assert (template["driver"]["coreRequest"], template["driver"]["cores"]) == ("250m", 1)
    assert (template["executor"]["coreRequest"], template["executor"]["cores"]) == ("0.5", 1)
    assert manifest_errors(small, crds_dir()) == []


def test_the_driver_needs_no_rights_on_services_or_configmaps():
    """The Spark Role (templates/spark-role.yaml) allows pods only: the driver's Service is left to
    garbage collection and the executors get no ConfigMap (seen on the real node: Spark asks to
    delete the Service by label at the end of a run unless told not to)."""
    [doc] = render_schedules(settings_for())
    conf = doc["spec"]["template"]["sparkConf"]
    assert conf["spark.kubernetes.driver.service.deleteOnTermination"] == "false"
    assert conf["spark.kubernetes.executor.disableConfigMap"] == "true"


def test_native_execution_is_off_by_default_and_on_for_gold_runs_only_when_the_values_say():
    plugin = "spark.plugins"
    assert plugin not in render_run(settings_for(), "daily_sales_summary", DAY)["spec"]["sparkConf"]
    native = settings_for(spark__nativeExecution=True)
    conf = render_run(native, "daily_sales_summary", DAY)["spec"]["sparkConf"]
    assert conf[plugin] == "org.apache.spark.CometPlugin"
    assert conf["spark.memory.offHeap.enabled"] == "true"
    assert (
        render_schedules(native)[0]["spec"]["template"]["sparkConf"][plugin] == "org.apache.spark.CometPlugin"
    )
    assert all(plugin not in doc["spec"]["template"]["sparkConf"] for doc in render_maintenance(native))
    # The values' sparkConf comes last: a user sizes Comet's off-heap memory there.
    sized = settings_for(spark__nativeExecution=True, spark__sparkConf={"spark.memory.offHeap.size": "4g"})
    assert (
        render_run(sized, "daily_sales_summary", DAY)["spec"]["sparkConf"]["spark.memory.offHeap.size"]
        == "4g"
    )
