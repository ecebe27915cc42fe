"""The chart's values as goldpipe's Python side sees them: located, merged, schema-checked.

The CLI merges a user's values file over the chart's ``values.yaml`` the way ``helm -f``
does; the controller reads the values Helm already merged (the ConfigMap). Both validate
them against the chart's ``values.schema.json``, so a hand-edited ConfigMap is held to the
same rules as ``helm install``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from goldpipe.core.errors import ConfigError

CHART_NAME = "goldpipe"


def find_values_file(explicit: str | None, env: Mapping[str, str] | None = None) -> Path | None:
    """``-f`` wins, then ``$GOLDPIPE_VALUES``, then ``./values.yaml``; None means built-in defaults."""
    env = os.environ if env is None else env
    chosen = explicit or env.get("GOLDPIPE_VALUES")
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ConfigError(f"values file {chosen!r} does not exist")
        return path
    default = Path("values.yaml")
    return default if default.is_file() else None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong and where, without PyYAML's snippet of the line (which may hold a secret)."""
    problem = getattr(exc, "problem", None) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else str(problem)


def parse_yaml_mapping(text: str, what: str) -> dict[str, Any]:
    """``text`` as a YAML mapping (empty: ``{}``); ``ConfigError`` naming ``what`` otherwise."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what}: not valid YAML: {yaml_problem(exc)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{what}: top level must be a mapping")
    return data


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_yaml_mapping(text, str(path))


def load_values(path: Path | None) -> dict[str, Any]:
    return read_yaml_mapping(path) if path is not None else {}


def find_chart_dir() -> Path | None:
    """``$GOLDPIPE_CHART_DIR``, else the nearest ``Chart.yaml`` named goldpipe up from the
    working directory, else the checkout this package lives in."""
    explicit = os.environ.get("GOLDPIPE_CHART_DIR")
    if explicit:
        return Path(explicit)
    here = Path.cwd().resolve()
    candidates = [here, *here.parents, Path(__file__).resolve().parents[2]]
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


def invalid_values_message(errors: list[str]) -> str:
    """One line: the violations, then where the rules are."""
    return f"invalid values: {'; '.join(errors)} (see values.schema.json and docs/values.md)"


def validated_values(values_file: Path | None, chart_dir: Path | None = None) -> dict[str, Any]:
    """``chart_values`` held to ``values.schema.json``, as ``helm install`` would hold them:
    ``ConfigError`` lists every violation. Without the chart (goldpipe installed on its own)
    there is no schema to check against, and the values are returned as they are."""
    chart_dir = chart_dir or find_chart_dir()
    values = chart_values(values_file, chart_dir)
    if chart_dir is not None and (chart_dir / "values.schema.json").is_file():
        check_schema(values, chart_dir)
    return values


def check_schema(values: Mapping[str, Any], chart_dir: Path | None = None) -> None:
    """``ConfigError`` listing every violation of ``values.schema.json`` (of values already
    merged: a file by ``validated_values``, the ConfigMap's by Helm)."""
    errors = schema_errors(values, chart_dir)
    if errors:
        raise ConfigError(invalid_values_message(errors))


def chart_metadata(chart_dir: Path | None = None) -> dict[str, Any]:
    chart_dir = chart_dir or find_chart_dir()
    if chart_dir is None:
        return {"name": CHART_NAME, "version": "0.0.0", "appVersion": ""}
    return read_yaml_mapping(chart_dir / "Chart.yaml")


def _end_of_text(pattern: str) -> str:
    """``pattern`` with every ``$`` meaning end of text, as in Go's RE2 (helm's validator).

    Python's ``re`` also lets ``$`` match before a final newline, so ``"tag\\n"`` would pass
    ``^[a-z]+$`` here and fail in helm. Unescaped ``$`` outside character classes become ``\\Z``.
    """
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append("\\Z")
            continue
        out.append(char)
    return "".join(out)


def _describe(error: Any) -> str:
    """The error without the offending value: a value may be a secret typed in the wrong place,
    and these messages go to terminals, logs and Kubernetes Events."""
    rule = error.validator_value
    messages: dict[str, Callable[[], str]] = {
        "type": lambda: f"must be of type {rule}",
        "enum": lambda: "must be one of: " + ", ".join(map(str, rule)),
        "const": lambda: f"must be {rule}",
        "pattern": lambda: f"does not match the pattern {rule}",
        "maxLength": lambda: f"is longer than {rule} characters",
        "minLength": lambda: f"is shorter than {rule} characters",
        "minimum": lambda: f"must be at least {rule}",
        "maximum": lambda: f"must be at most {rule}",
        "exclusiveMinimum": lambda: f"must be more than {rule}",
        "exclusiveMaximum": lambda: f"must be less than {rule}",
        "minItems": lambda: f"needs at least {rule} items",
        "uniqueItems": lambda: "has duplicate items",
    }
    describe = messages.get(str(error.validator))
    if describe is not None:
        text = describe()
    elif error.validator in ("anyOf", "oneOf") and error.context:
        # Each alternative failed. The schema's alternatives are "empty, or a name of this
        # form": say what the last one wanted.
        last = max(e.relative_schema_path[0] for e in error.context)
        wanted = next(e for e in error.context if e.relative_schema_path[0] == last)
        text = "must be empty, or it " + _describe(wanted)
    else:
        text = str(error.message)
    if "propertyNames" in error.schema_path:  # the instance is a key, which names no secret
        key = str(error.instance)
        text = f"key {(key[:60] + '...') if len(key) > 60 else key!r} {text}"
    return text


def _validator_class() -> Any:
    import jsonschema
    from jsonschema.exceptions import ValidationError

    def pattern(validator: Any, rule: str, instance: Any, schema: Mapping[str, Any]) -> Any:
        if validator.is_type(instance, "string") and not re.search(_end_of_text(rule), instance):
            yield ValidationError(f"does not match {rule}")

    return jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})


def schema_errors(values: Mapping[str, Any], chart_dir: Path | None = None) -> list[str]:
    """Violations of ``values.schema.json``, as ``path: message`` lines (empty when valid).

    Validated as helm does (``$`` is the end of the text), and without echoing values."""
    chart_dir = chart_dir or find_chart_dir()
    if chart_dir is None or not (chart_dir / "values.schema.json").is_file():
        raise ConfigError("cannot find the chart's values.schema.json (set GOLDPIPE_CHART_DIR)")
    schema = json.loads((chart_dir / "values.schema.json").read_text(encoding="utf-8"))
    errors = []
    for error in sorted(
        _validator_class()(schema).iter_errors(values), key=lambda e: list(map(str, e.absolute_path))
    ):
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        errors.append(f"{where}: {_describe(error)}")
    return errors
