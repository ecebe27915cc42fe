"""values.schema.json: bad values fail at `helm template` with a message naming the key.

The same schema is checked with Python's jsonschema too (draft-07), since the controller can
validate its config with it: the patterns are written for both regex engines (Go's RE2 and
Python's re).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from goldpipe.core.contract import JOB_NAMES
from goldpipe.lakehouse.config import CATALOG_TYPES
from tests.chart.conftest import PRODUCTION, ROOT, Helm, load_yaml, merge_values

SCHEMA_PATH = ROOT / "values.schema.json"
SCHEMA_ERROR = "values don't meet the specifications of the schema(s)"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def default_values() -> dict[str, Any]:
    return load_yaml(ROOT / "values.yaml")


def errors(validator: jsonschema.Draft7Validator, values: dict[str, Any]) -> list[str]:
    return ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in validator.iter_errors(values)]


# --- the schema itself -----------------------------------------------------------------------


def test_schema_is_draft7(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("path", [ROOT / "values.yaml", PRODUCTION], ids=["defaults", "production"])
def test_values_files_are_valid(
    validator: jsonschema.Draft7Validator, default_values: dict[str, Any], path: Path
) -> None:
    values = merge_values(default_values, load_yaml(path))
    assert errors(validator, values) == []


def test_schema_and_values_yaml_have_the_same_keys(
    schema: dict[str, Any], default_values: dict[str, Any]
) -> None:
    """Every key of values.yaml is typed, and every typed key has a default in values.yaml
    (except Helm's `global` and the per-schedule overrides, which have none)."""
    defs = schema["definitions"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return defs[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    def walk(node: dict[str, Any], value: Any, path: str) -> None:
        node = resolve(node)
        if "properties" not in node or not isinstance(value, dict):
            return
        assert node.get("additionalProperties") is False, path
        keys = set(node["properties"]) - ({"global"} if path == "" else set())
        assert keys == set(value), path or "(top level)"
        for key, sub in node["properties"].items():
            if key in value:
                walk(sub, value[key], f"{path}.{key}")

    walk(schema, default_values, "")


def test_every_property_is_described(schema: dict[str, Any]) -> None:
    defs = schema["definitions"]
    missing = []

    def walk(node: dict[str, Any], path: str) -> None:
        for key, prop in node.get("properties", {}).items():
            described = prop.get("description") or defs.get(prop.get("$ref", "").rsplit("/", 1)[-1], {}).get(
                "description"
            )
            if not described:
                missing.append(f"{path}.{key}")
            walk(prop, f"{path}.{key}")
            if isinstance(prop.get("items"), dict):
                walk(prop["items"], f"{path}.{key}[]")

    walk(schema, "")
    for name, definition in defs.items():
        walk(definition, f"#{name}")
    assert missing == []


def test_enums_match_the_code(schema: dict[str, Any]) -> None:
    defs = schema["definitions"]
    assert tuple(defs["jobName"]["enum"]) == JOB_NAMES
    assert tuple(schema["properties"]["catalog"]["properties"]["type"]["enum"]) == CATALOG_TYPES


def test_the_generated_parts_are_current() -> None:
    """The committed descriptions are values.yaml's `# --` comments and the time zone enum is
    tzdata's: what scripts/gen-values-schema.py writes (issue 21, finding 4: the descriptions,
    written twice by hand, had drifted)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen-values-schema.py"), "--check", str(SCHEMA_PATH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_gen_values_schema_rewrites_the_descriptions_and_the_enum(
    tmp_path: Path, schema: dict[str, Any]
) -> None:
    stale = json.loads(json.dumps(schema))
    stale["definitions"]["timeZone"]["if"]["enum"] = ["UTC"]
    stale["properties"]["controller"]["properties"]["port"]["description"] = "Drifted."
    stale["properties"]["image"]["properties"]["tag"].pop("description")
    target = tmp_path / "values.schema.json"
    target.write_text(json.dumps(stale, indent=2) + "\n", encoding="utf-8")
    script = [sys.executable, str(ROOT / "scripts" / "gen-values-schema.py")]
    proc = subprocess.run([*script, "--check", str(target)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "stale" in proc.stderr
    assert json.loads(target.read_text())["definitions"]["timeZone"]["if"]["enum"] == ["UTC"]
    proc = subprocess.run([*script, str(target)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text(encoding="utf-8") == SCHEMA_PATH.read_text(encoding="utf-8")


# --- bad values fail at helm template, naming the key ------------------------------------------


def _schedule(**overrides: Any) -> dict[str, Any]:
    return {"schedules": {"nightly": overrides}}


BAD_VALUES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("wrong-type", {"controller": {"port": "http"}}, ["at '/controller/port'", "want integer"]),
    ("wrong-type-map", {"commonLabels": {"tier": 1}}, ["at '/commonLabels/tier'", "want string"]),
    (
        "wrong-type-bool",
        {"lakehouse": {"embedded": {"enabled": "yes"}}},
        ["at '/lakehouse/embedded/enabled'"],
    ),
    (
        "unknown-job",
        _schedule(jobs=["daily_sales"]),
        ["at '/schedules/nightly/jobs/0'", "daily_sales_summary"],
    ),
    ("no-jobs", _schedule(jobs=[]), ["at '/schedules/nightly/jobs'", "minItems"]),
    ("duplicate-job", _schedule(jobs=["rejected_rows", "rejected_rows"]), ["at '/schedules/nightly/jobs'"]),
    (
        "executors-0",
        {"defaults": {"executor": {"instances": 0}}},
        ["at '/defaults/executor/instances'", "minimum"],
    ),
    (
        "schedule-executors-0",
        _schedule(executor={"instances": 0}),
        ["at '/schedules/nightly/executor/instances'", "minimum"],
    ),
    (
        "negative-cores",
        {"defaults": {"executor": {"cores": -1}}},
        ["at '/defaults/executor/cores'", "minimum"],
    ),
    ("driver-cores-0", {"defaults": {"driver": {"cores": 0}}}, ["at '/defaults/driver/cores'"]),
    ("memory-notation", {"defaults": {"executor": {"memory": "2 GB"}}}, ["at '/defaults/executor/memory'"]),
    (
        "memory-number",
        {"defaults": {"driver": {"memory": 1024}}},
        ["at '/defaults/driver/memory'", "want string"],
    ),
    ("bad-cron", _schedule(schedule="0 25 * * *"), ["at '/schedules/nightly/schedule'", "cron expression"]),
    (
        "unknown-tz",
        _schedule(timeZone="Mars/Olympus_Mons"),
        ["at '/schedules/nightly/timeZone'", "IANA time zone"],
    ),
    (
        "bad-concurrency",
        _schedule(concurrencyPolicy="Never"),
        ["at '/schedules/nightly/concurrencyPolicy'", "'Forbid', 'Allow', 'Replace'"],
    ),
    (
        "bad-schedule-name",
        {"schedules": {"Nightly_Run": {"jobs": ["rejected_rows"], "schedule": "@daily"}}},
        ["at '/schedules/Nightly_Run'", "DNS label"],
    ),
    (
        "long-schedule-name",
        {"schedules": {"s" * 41: {"jobs": ["rejected_rows"], "schedule": "@daily"}}},
        [f"at '/schedules/{'s' * 41}'", "at most 35 characters"],
    ),
    (
        "schedule-without-cron",
        {"schedules": {"adhoc": {"jobs": ["rejected_rows"]}}},
        ["at '/schedules/adhoc'", "'schedule'"],
    ),
    ("unknown-schedule-key", _schedule(retries=3), ["at '/schedules/nightly'", "'retries' not allowed"]),
    ("unknown-top-level-key", {"replicaCount": 2}, ["at ''", "'replicaCount' not allowed"]),
    ("unknown-nested-key", {"controller": {"replicas": 2}}, ["at '/controller'", "'replicas' not allowed"]),
    ("latest-tag", {"image": {"tag": "latest"}}, ["at '/image/tag'", "not latest"]),
    (
        "latest-controller-tag",
        {"controller": {"image": {"tag": "latest"}}},
        ["at '/controller/image/tag'", "not latest"],
    ),
    ("empty-tag", {"image": {"tag": ""}}, ["at '/image/tag'"]),
    ("catalog-type", {"catalog": {"type": "hive"}}, ["at '/catalog/type'", "'jdbc', 'rest'"]),
    ("rest-catalog-uri", {"catalog": {"type": "rest", "uri": "jdbc:sqlite:/x.db"}}, ["at '/catalog/uri'"]),
    (
        "credentials-missing-secretKey",
        {"catalog": {"credentials": [{"env": "GOLDPIPE_CATALOG_JDBC_USER", "secretName": "lake"}]}},
        ["at '/catalog/credentials/0'", "missing property 'secretKey'"],
    ),
    (
        "credentials-inline-value",
        {
            "catalog": {
                "credentials": [
                    {"env": "PASSWORD", "secretName": "lake", "secretKey": "pw", "value": "hunter2"}
                ]
            }
        },
        ["at '/catalog/credentials/0'", "'value' not allowed"],
    ),
    (
        "credentials-bad-env",
        {"catalog": {"credentials": [{"env": "1-PASSWORD", "secretName": "lake", "secretKey": "pw"}]}},
        ["at '/catalog/credentials/0/env'"],
    ),
    (
        "pull-secret-objects",
        {"imagePullSecrets": [{"name": "ghcr"}]},
        ["at '/imagePullSecrets/0'", "want string"],
    ),
    ("pull-policy", {"image": {"pullPolicy": "Sometimes"}}, ["at '/image/pullPolicy'"]),
    ("log-level", {"controller": {"logLevel": "verbose"}}, ["at '/controller/logLevel'"]),
    ("privileged-port", {"controller": {"port": 80}}, ["at '/controller/port'", "minimum"]),
    (
        "spark-conf-number",
        {"spark": {"sparkConf": {"spark.sql.shuffle.partitions": 200}}},
        ["at '/spark/sparkConf/"],
    ),
    (
        "restart-policy",
        {"spark": {"restartPolicy": {"type": "Sometimes"}}},
        ["at '/spark/restartPolicy/type'"],
    ),
    ("volume-size", {"lakehouse": {"embedded": {"size": "5 GB"}}}, ["at '/lakehouse/embedded/size'"]),
]


@pytest.mark.helm
@pytest.mark.parametrize(("values", "expected"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_values_fail_helm_template(helm: Helm, values: dict[str, Any], expected: list[str]) -> None:
    message = helm.template_error(values=values)
    assert SCHEMA_ERROR in message
    for text in expected:
        assert text in message, message


@pytest.mark.parametrize(("values", "expected"), [c[1:] for c in BAD_VALUES], ids=[c[0] for c in BAD_VALUES])
def test_bad_values_fail_jsonschema(
    validator: jsonschema.Draft7Validator,
    default_values: dict[str, Any],
    values: dict[str, Any],
    expected: list[str],
) -> None:
    path = expected[0].removeprefix("at '").removesuffix("'").strip("/")
    found = errors(validator, merge_values(default_values, values))
    assert found, "no error"
    assert any(e.startswith(path) for e in found), found


@pytest.mark.helm
def test_lint_reports_bad_values(helm: Helm) -> None:
    proc = helm.run("lint", "--strict", ".", "--set", "defaults.executor.instances=0")
    assert proc.returncode != 0
    assert "at '/defaults/executor/instances'" in proc.stdout + proc.stderr


# --- cron expressions and time zones: accept and reject lists ----------------------------------

GOOD_CRON = [
    "0 2 * * *",
    "*/15 * * * *",
    "0 0 1 1 *",
    "59 23 31 12 6",
    "00 02 * * *",
    "0 0,12 1 */2 *",
    "0 9-17/2 * * 1-5",
    "1-59/5 * * * *",
    "5/10 * * * *",
    "0 22 * * 1-5",
    "0 0 * * MON-FRI",
    "5 4 * * sun",
    "0 3 * * Sun,Wed",
    "30 1 * JAN,JUL *",
    "0 0 1 jan-mar mon",
    "0 0 ? * *",
    "0 0 * * ?",
    "0  2  *  *  *",
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
]
BAD_CRON = [
    "",
    "* * * *",
    "* * * * * *",
    "60 * * * *",
    "0 24 * * *",
    "0 0 0 * *",
    "0 0 32 * *",
    "0 0 * 0 *",
    "0 0 * 13 *",
    "0 0 * * 7",
    "0 0 * * MONDAY",
    "0 0 * JANUARY *",
    "*/0 * * * *",
    "? * * * *",
    "0 2 * * 1,",
    "0 2 * * ,1",
    "0 2 * * 1--5",
    "0 2 * * -5",
    "1.5 * * * *",
    "0 2 L * *",
    "0 2 * * 1#2",
    "a b c d e",
    " 0 2 * * *",
    "0 2 * * * ",
    "@every 1h",
    "@reboot",
    "@DAILY",
    "CRON_TZ=UTC 0 2 * * *",
    "TZ=Europe/Berlin 0 2 * * *",
]
GOOD_TZ = [
    "UTC",
    "Europe/Berlin",
    "America/Argentina/Buenos_Aires",
    "Etc/GMT+5",
    "Asia/Kolkata",
    "US/Pacific",
    "GMT",
]
BAD_TZ = [
    "",
    "Mars/Olympus_Mons",
    "utc",
    "Europe/berlin",
    "Local",
    "Factory",
    "localtime",
    "GMT+1",
    "CEST",
    "+02:00",
]


def schedules_with(field: str, items: list[str]) -> dict[str, Any]:
    """One schedule per item (s0, s1, ...), so one helm run checks a whole list (each job may be in
    one schedule only: at most as many items as jobs pass the chart's rules)."""
    schedules = {
        f"s{n}": {"jobs": [JOB_NAMES[n % len(JOB_NAMES)]], "schedule": "@daily", "timeZone": "UTC", field: v}
        for n, v in enumerate(items)
    }
    return {"schedules": {"nightly": None, **schedules}}


@pytest.mark.helm
@pytest.mark.parametrize(
    ("field", "items"), [("schedule", GOOD_CRON), ("timeZone", GOOD_TZ)], ids=["cron", "tz"]
)
def test_helm_accepts(helm: Helm, field: str, items: list[str]) -> None:
    for start in range(0, len(items), len(JOB_NAMES)):
        chunk = items[start : start + len(JOB_NAMES)]
        out = helm.template(values=schedules_with(field, chunk))
        schedules = yaml.safe_load(out.configmap["data"]["values.yaml"])["schedules"]
        assert [schedules[f"s{n}"][field] for n in range(len(chunk))] == chunk


@pytest.mark.helm
@pytest.mark.parametrize(
    ("field", "items"), [("schedule", BAD_CRON), ("timeZone", BAD_TZ)], ids=["cron", "tz"]
)
def test_helm_rejects(helm: Helm, field: str, items: list[str]) -> None:
    message = helm.template_error(values=schedules_with(field, items))
    for n, item in enumerate(items):
        assert f"at '/schedules/s{n}/{field}'" in message, f"{item!r} was accepted"


@pytest.mark.parametrize("cron", GOOD_CRON)
def test_jsonschema_accepts_cron(
    validator: jsonschema.Draft7Validator, default_values: dict[str, Any], cron: str
) -> None:
    assert errors(validator, merge_values(default_values, schedules_with("schedule", [cron]))) == []


@pytest.mark.parametrize("cron", BAD_CRON)
def test_jsonschema_rejects_cron(
    validator: jsonschema.Draft7Validator, default_values: dict[str, Any], cron: str
) -> None:
    found = errors(validator, merge_values(default_values, schedules_with("schedule", [cron])))
    assert [e.split(":")[0] for e in found] == ["schedules/s0/schedule"]


@pytest.mark.parametrize("tz", GOOD_TZ)
def test_jsonschema_accepts_tz(
    validator: jsonschema.Draft7Validator, default_values: dict[str, Any], tz: str
) -> None:
    assert errors(validator, merge_values(default_values, schedules_with("timeZone", [tz]))) == []


@pytest.mark.parametrize("tz", BAD_TZ)
def test_jsonschema_rejects_tz(
    validator: jsonschema.Draft7Validator, default_values: dict[str, Any], tz: str
) -> None:
    found = errors(validator, merge_values(default_values, schedules_with("timeZone", [tz])))
    assert [e.split(":")[0] for e in found] == ["schedules/s0/timeZone"]
