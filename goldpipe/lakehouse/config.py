"""Where the Iceberg tables live: one catalog configuration, from the values' ``catalog:`` section
and the environment, and the Spark settings it becomes.

The ``catalog:`` section has the same shape as the chart's ``values.yaml``, so one values file
describes both a local run and a cluster deployment. Environment variables override the file
(``GOLDPIPE_CATALOG_NAME``, ``GOLDPIPE_CATALOG_TYPE``, ``GOLDPIPE_CATALOG_URI``,
``GOLDPIPE_CATALOG_WAREHOUSE``); an empty ``uri``/``warehouse`` means the embedded lakehouse under
``GOLDPIPE_HOME`` (default ``.goldpipe`` in the working directory). Spark and pyiceberg must see
the same tables, so both clients' settings are derived from one ``CatalogConfig`` here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from goldpipe.core.credentials import credential_properties
from goldpipe.core.errors import ConfigError

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


def catalog_from_mapping(section: Mapping[str, Any]) -> CatalogConfig:
    """The ``catalog:`` section of the values, merged with the chart's and held to its schema by
    ``goldpipe.deploy.settings``: the defaults and the known keys are the chart's."""
    return CatalogConfig(
        name=str(section["name"]),
        type=str(section["type"]),
        uri=str(section.get("uri") or ""),
        warehouse=str(section.get("warehouse") or ""),
        properties={str(k): str(v) for k, v in (section.get("properties") or {}).items()},
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
    """Fill an empty ``uri``/``warehouse`` with the embedded lakehouse under ``home``.

    A REST catalog's server knows its warehouse; an empty one stays empty (not a local path).
    """
    if cfg.type == "rest":
        return cfg
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


ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"

# pyiceberg's SqlCatalog writes the V1 layout of the JDBC catalog's tables (with iceberg_type);
# Java must use the same so both can read what the other committed.
JDBC_SCHEMA_VERSION = "V1"


def with_credentials(cfg: CatalogConfig, env: Mapping[str, str] | None = None) -> CatalogConfig:
    return replace(cfg, properties={**cfg.properties, **credential_properties(env)})


def spark_catalog_conf(cfg: CatalogConfig) -> dict[str, str]:
    """Spark settings that register ``cfg`` as an Iceberg catalog named ``cfg.name``.

    Credentials are not included: on a cluster they come from Secrets as environment
    variables, locally the embedded SQLite catalog has none.
    """
    prefix = f"spark.sql.catalog.{cfg.name}"
    conf = {
        "spark.sql.extensions": ICEBERG_EXTENSIONS,
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.type": cfg.type,
        f"{prefix}.uri": cfg.uri,
        # Silver is written by other engines while a session lives; a cached table would hide
        # their commits (and a publish made by the controller) for up to 30 s.
        f"{prefix}.cache-enabled": "false",
        # Business days are UTC dates; the session time zone decides what to_date() returns.
        "spark.sql.session.timeZone": "UTC",
    }
    if cfg.warehouse:
        conf[f"{prefix}.warehouse"] = cfg.warehouse
    if cfg.type == "jdbc":
        conf[f"{prefix}.jdbc.schema-version"] = JDBC_SCHEMA_VERSION
    for key, value in cfg.properties.items():
        conf[f"{prefix}.{key}"] = value
    return conf
