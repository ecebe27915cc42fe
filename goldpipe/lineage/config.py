"""The ``lineage`` values, typed: off by default; a transport to a URL (HTTP) or a file. No
secret is held here: an HTTP API key comes from the environment (a Secret reference in the
chart), under ``API_KEY_ENV``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from goldpipe.core.errors import ConfigError

# Where the controller (and run-local) find the receiver's API key: the chart sets it from
# `lineage.transport.apiKeySecretName`; the key itself never appears in the values.
API_KEY_ENV = "GOLDPIPE_LINEAGE_API_KEY"

Transport = Literal["http", "file", "console"]


@dataclass(frozen=True)
class LineageConfig:
    enabled: bool = False
    namespace: str = "goldpipe"
    transport: Transport = "http"
    url: str = ""
    endpoint: str = "api/v1/lineage"
    timeout_seconds: float = 5.0
    path: str = ""


def lineage_config(section: Mapping[str, Any] | None) -> LineageConfig:
    """From the chart's ``lineage`` values (held to the schema before); off when absent."""
    if not section:
        return LineageConfig()
    transport = section.get("transport") or {}
    config = LineageConfig(
        enabled=bool(section.get("enabled", False)),
        namespace=str(section.get("namespace") or "goldpipe"),
        transport=transport.get("type", "http"),
        url=str(transport.get("url") or ""),
        endpoint=str(transport.get("endpoint") or "api/v1/lineage"),
        timeout_seconds=float(transport.get("timeoutSeconds", 5)),
        path=str(transport.get("path") or ""),
    )
    if config.enabled and config.transport == "http" and not config.url:
        raise ConfigError("lineage.transport.url must be set for lineage with the http transport")
    if config.enabled and config.transport == "file" and not config.path:
        raise ConfigError(
            "lineage.transport.path must be set when lineage is enabled with the file transport"
        )
    return config
