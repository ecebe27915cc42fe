"""The chart's values as goldpipe's Python side sees them: located, merged, schema-checked.

The CLI merges a user's values file over the chart's ``values.yaml`` the way ``helm -f``
does; the controller reads the values Helm already merged (the ConfigMap). Both validate
them against the chart's ``values.schema.json``, so a hand-edited ConfigMap is held to the
same rules as ``helm install``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from goldpipe.config import read_yaml_mapping
from goldpipe.errors import ConfigError

CHART_NAME = "goldpipe"


def find_chart_dir() -> Path | None:
    """``$GOLDPIPE_CHART_DIR``, else the nearest ``Chart.yaml`` named goldpipe up from the
    working directory, else the checkout this package lives in."""
    explicit = os.environ.get("GOLDPIPE_CHART_DIR")
    if explicit:
        return Path(explicit)
    here = Path.cwd().resolve()
    candidates = [here, *here.parents, Path(__file__).resolve().parent.parent]
    for directory in candidates:
        chart = directory / "Chart.yaml"
        if chart.is_file():
            try:
                if (yaml.safe_load(chart.read_text(encoding="utf-8")) or {}).get("name") == CHART_NAME:
                    return directory
            except yaml.YAMLError:
                continue
    return None


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing: maps merge key by key, lists and scalars replace, null deletes."""
    out = dict(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_values(out[key], value)
        else:
            out[key] = value
    return out


def chart_values(values_file: Path | None, chart_dir: Path | None = None) -> dict[str, Any]:
    """The chart's defaults with ``values_file`` merged over them (``helm -f``)."""
    chart_dir = chart_dir or find_chart_dir()
    defaults = read_yaml_mapping(chart_dir / "values.yaml") if chart_dir else {}
    if values_file is None:
        return defaults
    user = read_yaml_mapping(values_file)
    if chart_dir and values_file.resolve() == (chart_dir / "values.yaml").resolve():
        return user
    return merge_values(defaults, user)


def chart_metadata(chart_dir: Path | None = None) -> dict[str, Any]:
    chart_dir = chart_dir or find_chart_dir()
    if chart_dir is None:
        return {"name": CHART_NAME, "version": "0.0.0", "appVersion": ""}
    return read_yaml_mapping(chart_dir / "Chart.yaml")


def schema_errors(values: Mapping[str, Any], chart_dir: Path | None = None) -> list[str]:
    """Violations of ``values.schema.json``, as ``path: message`` lines (empty when valid)."""
    chart_dir = chart_dir or find_chart_dir()
    if chart_dir is None or not (chart_dir / "values.schema.json").is_file():
        raise ConfigError("cannot find the chart's values.schema.json (set GOLDPIPE_CHART_DIR)")
    import jsonschema

    schema = json.loads((chart_dir / "values.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = []
    for error in sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        errors.append(f"{where}: {error.message}")
    return errors
