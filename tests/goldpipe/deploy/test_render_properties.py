"""Property: no value can break or inject YAML. Hostile strings in every free-text value of the
values go through rendering and come back exactly from the parsed manifests."""

from __future__ import annotations

import copy
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpipe.deploy.release import derive_release
from goldpipe.deploy.render.manifests import render_run, render_schedules
from goldpipe.deploy.settings import pipeline_settings
from goldpipe.deploy.values import chart_metadata, chart_values

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "'",
            '"',
            ": ",
            "#",
            "\n",
            "\r\n",
            "{{ x }}",
            "{% if %}",
            "---",
            "...",
            "- item",
            "&a *a",
            "!!python/object",
            "key: value\nother: 1",
            "\t",
            "\\",
            "\\u0041",
            "%TAG",
            "@",
            "`",
            "|",
            ">",
            "null",
            "true",
            "0x10",
            "1e3",
            "~",
            "\u2028",
            "\u0085",
            "\ufeff",
            "\U0001f600",
            "é",
            "日本",
        ]
    ),
    st.text(min_size=0, max_size=40),
)


def hostile_text():
    return st.lists(HOSTILE, min_size=1, max_size=4).map("".join)


BASE = chart_values(None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    repository=hostile_text(),
    tag=hostile_text(),
    main_file=hostile_text(),
    conf_key=hostile_text(),
    conf_value=hostile_text(),
    hadoop_value=hostile_text(),
    env_value=hostile_text(),
    label_value=hostile_text(),
    pod_label_value=hostile_text(),
    property_value=hostile_text(),
    warehouse=hostile_text(),
    version=hostile_text(),
    pull_secret=hostile_text(),
)
def test_hostile_values_round_trip(
    repository,
    tag,
    main_file,
    conf_key,
    conf_value,
    hadoop_value,
    env_value,
    label_value,
    pod_label_value,
    property_value,
    warehouse,
    version,
    pull_secret,
):
    values = copy.deepcopy(BASE)
    values["image"].update(repository=repository, tag=tag)
    values["imagePullSecrets"] = [pull_secret]
    values["spark"].update(
        mainApplicationFile=main_file,
        version=version,
        sparkConf={f"spark.x.{conf_key}": conf_value},
        hadoopConf={"fs.x": hadoop_value},
        env=[{"name": "HOSTILE", "value": env_value}],
        podLabels={"hostile": pod_label_value},
    )
    values["commonLabels"] = {"team": label_value}
    values["catalog"].update(
        uri="jdbc:postgresql://db/" + warehouse,
        warehouse="s3://b/" + warehouse,
        properties={"x.y": property_value},
    )
    release = derive_release(values, release_name="goldpipe", namespace="analytics", chart=chart_metadata())
    pipeline = pipeline_settings(values, release, validate=False)

    docs = [*render_schedules(pipeline), render_run(pipeline, "rejected_rows", dt.date(2026, 11, 20))]
    for doc in docs:  # render_* return the parse of the Jinja-rendered YAML text
        spec = doc["spec"].get("template", doc["spec"])
        assert spec["image"] == f"{repository}:{tag}"
        assert spec["imagePullSecrets"] == [pull_secret]
        assert spec["mainApplicationFile"] == main_file
        assert spec["sparkVersion"] == version
        assert spec["sparkConf"][f"spark.x.{conf_key}"] == conf_value
        assert spec["sparkConf"]["spark.sql.catalog.lake.x.y"] == property_value
        assert spec["sparkConf"]["spark.sql.catalog.lake.warehouse"] == "s3://b/" + warehouse
        assert spec["hadoopConf"] == {"fs.x": hadoop_value}
        assert {"name": "HOSTILE", "value": env_value} in spec["driver"]["template"]["spec"]["containers"][0][
            "env"
        ]
        assert spec["executor"]["labels"]["hostile"] == pod_label_value
        assert doc["metadata"]["labels"]["team"] == label_value
        assert set(doc) == {"apiVersion", "kind", "metadata", "spec"}
