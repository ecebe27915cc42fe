"""Every default lives in the chart's values.yaml (issue 21, finding 1): the modules that type the
values read them, they never supply a value of their own for a key values.yaml defines."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpipe.core.errors import ConfigError
from goldpipe.deploy.release import derive_release
from goldpipe.deploy.settings import load_settings, pipeline_settings
from goldpipe.deploy.values import chart_values

ROOT = Path(__file__).resolve().parents[3]
READERS = [ROOT / "goldpipe" / "deploy" / "settings.py", ROOT / "goldpipe" / "lakehouse" / "config.py"]


def keys(values: Any) -> Iterator[str]:
    if isinstance(values, Mapping):
        for key, value in values.items():
            yield str(key)
            yield from keys(value)


VALUES_KEYS = set(keys(yaml.safe_load((ROOT / "values.yaml").read_text(encoding="utf-8"))))


def literal_defaults(source: Path) -> list[str]:
    """``x.get("key", literal)`` and ``x.get("key") or literal`` for a key of values.yaml, where
    the literal is not an empty value (an absent optional mapping read as empty is no default)."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        call, fallback = None, None
        if isinstance(node, ast.Call) and len(node.args) == 2:
            call, fallback = node, node.args[1]
        elif (
            isinstance(node, ast.BoolOp)
            and isinstance(node.op, ast.Or)
            and isinstance(node.values[0], ast.Call)
        ):
            call, fallback = node.values[0], node.values[-1]
        if call is None or not (isinstance(call.func, ast.Attribute) and call.func.attr == "get"):
            continue
        key = call.args[0] if call.args else None
        if not (isinstance(key, ast.Constant) and key.value in VALUES_KEYS):
            continue
        if isinstance(fallback, ast.Constant) and fallback.value not in (None, "", False, 0):
            found.append(f"{source.name}:{node.lineno} {key.value!r} -> {fallback.value!r}")
    return found


@pytest.mark.parametrize("source", READERS, ids=lambda p: p.name)
def test_no_literal_default_for_a_key_values_yaml_defines(source: Path) -> None:
    assert literal_defaults(source) == []


def test_a_schedule_takes_what_it_does_not_set_from_defaults() -> None:
    values = chart_values(None, ROOT)
    values["defaults"].update(timeZone="Europe/Berlin", concurrencyPolicy="Replace", maxCatchUpDays=3)
    values["schedules"]["hourly"] = {"jobs": ["rejected_rows"], "schedule": "@hourly", "maxCatchUpDays": 2}
    values["schedules"]["nightly"]["jobs"].remove("rejected_rows")
    release = derive_release(values, release_name="goldpipe", namespace="ns", chart={"name": "goldpipe"})
    settings = pipeline_settings(values, release)
    hourly, nightly = settings.schedule("hourly"), settings.schedule("nightly")
    assert (hourly.time_zone, hourly.concurrency_policy, hourly.max_catch_up_days) == (
        "Europe/Berlin",
        "Replace",
        2,
    )
    assert (nightly.time_zone, nightly.max_catch_up_days) == ("Europe/Berlin", 3)


def test_load_settings_reads_one_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Merged with the chart's values, held to the schema once: the catalog, the checks, the
    lineage and the maintenance policy all come from that one reading."""
    from goldpipe.deploy import values as values_module

    calls = []
    real = values_module.schema_errors
    monkeypatch.setattr(values_module, "schema_errors", lambda *a: calls.append(1) or real(*a))
    file = tmp_path / "v.yaml"
    file.write_text("catalog:\n  name: other\nmaintenance:\n  retainLastSnapshots: 9\n")
    settings = load_settings(str(file), {"GOLDPIPE_HOME": str(tmp_path)})
    assert calls == [1]
    assert settings.catalog.name == "other" and settings.catalog.type == "jdbc"  # the chart's type
    assert settings.maintenance.retain_last_snapshots == 9
    assert settings.checks(("rejected_rows",)).enabled is True
    file.write_text("maintenance:\n  retainLastSnapshots: -1\n")
    with pytest.raises(ConfigError, match="invalid values: maintenance/retainLastSnapshots"):
        load_settings(str(file), {"GOLDPIPE_HOME": str(tmp_path)})
