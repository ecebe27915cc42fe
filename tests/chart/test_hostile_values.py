"""Hostile strings in every string leaf and every map key of the values, through `helm template`
and `goldpipe render`: each case is refused with a clear message, or renders documents of the
same shape (same kinds and names, no new keys beyond the hostile string's own, the ConfigMap's
data complete and carrying the string unchanged). helm's schema check and goldpipe's must agree.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from goldpipe.controller.schedules import desired_schedules
from goldpipe.core.errors import ConfigError
from goldpipe.deploy.release import derive_release
from goldpipe.deploy.render.manifests import render_run
from goldpipe.deploy.settings import pipeline_settings
from goldpipe.deploy.values import chart_metadata, schema_errors
from tests.chart.conftest import PRODUCTION, RELEASE, Helm, load_yaml, merge_values

pytestmark = pytest.mark.helm

HOSTILE = {
    "newline-key": "x\nhostPID: true",
    "yaml-tag": "!!python/object/apply:os.system ['id']",
    "flow-mapping": "{key: x}",
    "template": '{{ fail "injected" }}{{ .Release.Name }}',
    "nel": "a\u0085b: c",
    "line-separator": "a\u2028b",
    "document": "---\nkind: Secret",
    "quotes": "\"'\\",
    "long": "a" * 5000,
}
# Maps whose keys the user chooses (elsewhere the schema fixes the keys: a renamed key is
# refused as unknown, which other tests show).
USER_MAPS = (
    "commonLabels", "podAnnotations", "annotations", "nodeSelector", "podLabels", "sparkConf",
    "hadoopConf", "properties", "schedules", "jobs", "podSecurityContext", "securityContext",
    "resources", "requests", "limits", "seccompProfile", "capabilities",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    where: tuple[str | int, ...]
    key: bool  # the map key at `where` is replaced, else the string value
    hostile: str

    @property
    def id(self) -> str:
        return "/".join(map(str, self.where)) + (":key" if self.key else "")


def _leaves(node: Any, where: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], bool]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "spark-operator":
                continue  # the subchart's values: its own chart validates them
            path = (*where, key)
            if where and where[-1] in USER_MAPS:
                yield path, True
            yield from _leaves(value, path)
    elif isinstance(node, list) and node:
        yield from _leaves(node[0], (*where, 0))  # the other items are alike
    elif isinstance(node, str):
        yield where, False


def _set(values: dict[str, Any], case: Case) -> dict[str, Any]:
    values = copy.deepcopy(values)
    node: Any = values
    for part in case.where[:-1]:
        node = node[part]
    last = case.where[-1]
    if case.key:
        node[case.hostile] = node.pop(last)
    else:
        node[last] = case.hostile
    return values


def _base() -> dict[str, Any]:
    # The production example adds catalog strings, credentials, a second schedule and labels.
    values = merge_values(load_yaml(PRODUCTION.parent.parent.parent / "values.yaml"), load_yaml(PRODUCTION))
    values["commonLabels"] = {"team": "analytics"}
    values["spark"]["sparkConf"] = {"spark.sql.adaptive.enabled": "true"}
    return values


BASE = _base()
CASES = [Case(where, key, text) for where, key in _leaves(BASE) for text in HOSTILE.values()]


def _paths(node: Any, prefix: str = "") -> set[str]:
    out = {prefix}
    if isinstance(node, dict):
        for k, v in node.items():
            out |= _paths(v, f"{prefix}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out |= _paths(v, f"{prefix}/{i}")
    return out


def _shape(docs: list[dict[str, Any]], hostile: str) -> dict[tuple[str, str], set[str]]:
    """Kind and name of each document, and its key paths except those the hostile string is in."""
    return {(d["kind"], d["metadata"]["name"]): {p for p in _paths(d) if hostile not in p} for d in docs}


@pytest.fixture(scope="module")
def baseline(helm: Helm) -> dict[tuple[str, str], set[str]]:
    return _shape(helm.template(values=BASE).docs, "\0")


def _render(values: dict[str, Any]) -> list[dict[str, Any]]:
    release = derive_release(values, release_name=RELEASE, namespace="analytics", chart=chart_metadata())
    settings = pipeline_settings(values, release)
    return [*desired_schedules(settings), render_run(settings, "rejected_rows", dt.date(2026, 11, 20))]


@pytest.fixture(scope="module")
def render_baseline() -> dict[tuple[str, str], set[str]]:
    return _shape(_render(BASE), "\0")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_hostile_string_is_refused_or_stays_a_string(
    helm: Helm, baseline: dict[Any, set[str]], render_baseline: dict[Any, set[str]], case: Case
) -> None:
    values = _set(BASE, case)
    proc = helm.template_raw(values=values)
    python_errors = schema_errors(values)
    if proc.returncode != 0:
        # Refused, with a message that names the place, and no traceback-like noise.
        assert "Error:" in proc.stderr, proc.stderr
        assert len(proc.stderr) < 4000 or case.hostile == HOSTILE["long"], proc.stderr[:4000]
        if python_errors:
            return
        # helm refused what goldpipe's schema check accepts: only the chart's own rules may do so.
        assert "execution error" in proc.stderr, f"helm and goldpipe disagree on {case.id}: {proc.stderr}"
        return
    assert python_errors == [], f"helm accepted {case.id}, goldpipe refuses: {python_errors}"
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    _assert_same_shape(_shape(docs, case.hostile), baseline, case)
    [configmap] = [d for d in docs if d["kind"] == "ConfigMap"]
    carried = yaml.safe_load(configmap["data"]["values.yaml"])
    assert carried and yaml.safe_load(configmap["data"]["release.yaml"])
    node = carried  # the controller's copy holds the string unchanged, at its place
    for part in case.where[:-1]:
        node = node[part]
    assert (case.hostile in node) if case.key else (node[case.where[-1]] == case.hostile)
    try:
        rendered = _render(values)
    except ConfigError:
        return  # goldpipe's own rules (schedule name lengths, ...) refused it, with a message
    _assert_same_shape(_shape(rendered, case.hostile), render_baseline, case)


def _assert_same_shape(
    shape: dict[tuple[str, str], set[str]], baseline: dict[tuple[str, str], set[str]], case: Case
) -> None:
    """Same documents; no key the baseline lacks; none missing but a renamed key's own."""
    assert shape.keys() == baseline.keys()
    for doc, paths in shape.items():
        assert paths <= baseline[doc], f"{doc}: new keys {sorted(paths - baseline[doc])[:5]}"
        missing = baseline[doc] - paths
        renamed = f"/{case.where[-1]}"
        assert all(renamed in p for p in missing) if case.key else not missing, (
            f"{doc}: lost {sorted(missing)[:5]}"
        )
