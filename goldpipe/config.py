"""Configuration shared by the CLI, the Spark jobs, the chart and the controller.

The ``catalog:`` section has the same shape as the chart's ``values.yaml``, so one values
file describes both a local run and a cluster deployment. Environment variables override
the file (``GOLDPIPE_CATALOG_NAME``, ``GOLDPIPE_CATALOG_TYPE``, ``GOLDPIPE_CATALOG_URI``,
``GOLDPIPE_CATALOG_WAREHOUSE``); an empty ``uri``/``warehouse`` means the embedded
lakehouse under ``GOLDPIPE_HOME`` (default ``.goldpipe`` in the working directory).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from goldpipe.errors import ConfigError

DEFAULT_HOME = ".goldpipe"
CATALOG_TYPES = ("jdbc", "rest")
_NAME_RE = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class CatalogConfig:
    """Where the Iceberg tables live. ``uri`` is a JDBC URL for ``jdbc``, an HTTP URL for ``rest``."""

    name: str = "lake"
    type: str = "jdbc"
    uri: str = ""
    warehouse: str = ""
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.type == "jdbc" and self.uri.startswith("jdbc:sqlite:")


def goldpipe_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("GOLDPIPE_HOME") or DEFAULT_HOME).resolve()


def _str_map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a mapping of strings, got {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items()}


def catalog_from_mapping(section: Mapping[str, Any] | None) -> CatalogConfig:
    """Build a ``CatalogConfig`` from the ``catalog:`` section of a values file."""
    section = section or {}
    if not isinstance(section, Mapping):
        raise ConfigError("'catalog' must be a mapping")
    known = {"name", "type", "uri", "warehouse", "properties", "credentials"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(
            f"unknown key(s) in 'catalog': {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return CatalogConfig(
        name=str(section.get("name") or "lake"),
        type=str(section.get("type") or "jdbc"),
        uri=str(section.get("uri") or ""),
        warehouse=str(section.get("warehouse") or ""),
        properties=_str_map(section.get("properties"), "catalog.properties"),
    )


def apply_env(cfg: CatalogConfig, env: Mapping[str, str] | None = None) -> CatalogConfig:
    env = os.environ if env is None else env
    return replace(
        cfg,
        name=env.get("GOLDPIPE_CATALOG_NAME") or cfg.name,
        type=env.get("GOLDPIPE_CATALOG_TYPE") or cfg.type,
        uri=env.get("GOLDPIPE_CATALOG_URI") or cfg.uri,
        warehouse=env.get("GOLDPIPE_CATALOG_WAREHOUSE") or cfg.warehouse,
    )


def resolve_embedded(cfg: CatalogConfig, home: Path) -> CatalogConfig:
    """Fill an empty ``uri``/``warehouse`` with the embedded lakehouse under ``home``."""
    uri = cfg.uri or f"jdbc:sqlite:{home / 'catalog.db'}"
    warehouse = cfg.warehouse or (home / "warehouse").as_uri()
    return replace(cfg, uri=uri, warehouse=warehouse)


_USERINFO = re.compile(r"(://)[^/@?#]*@")


def shown_uri(uri: str) -> str:
    """``uri`` fit for messages and logs: without user info and query, which may hold secrets."""
    return _USERINFO.sub(r"\1", uri).split("?", 1)[0].split(";", 1)[0]


def validate_catalog(cfg: CatalogConfig) -> CatalogConfig:
    if not _NAME_RE.fullmatch(cfg.name):
        raise ConfigError(f"catalog.name {cfg.name!r} must match ^{_NAME_RE.pattern}$")
    if cfg.type not in CATALOG_TYPES:
        raise ConfigError(f"catalog.type {cfg.type!r} is not one of: {', '.join(CATALOG_TYPES)}")
    if cfg.type == "jdbc" and not cfg.uri.startswith(("jdbc:sqlite:", "jdbc:postgresql:")):
        raise ConfigError(
            f"catalog.uri {shown_uri(cfg.uri)!r} is not a supported JDBC URL (jdbc:sqlite:... or "
            "jdbc:postgresql://...)"
        )
    if cfg.type == "rest" and not cfg.uri.startswith(("http://", "https://")):
        raise ConfigError(f"catalog.uri {shown_uri(cfg.uri)!r} must be an http(s) URL for a REST catalog")
    return cfg


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


def load_catalog_config(
    values_file: str | None = None, env: Mapping[str, str] | None = None
) -> CatalogConfig:
    """The effective catalog configuration: values file, then environment, then embedded defaults."""
    env = os.environ if env is None else env
    values = load_values(find_values_file(values_file, env))
    cfg = apply_env(catalog_from_mapping(values.get("catalog")), env)
    return validate_catalog(resolve_embedded(cfg, goldpipe_home(env)))
