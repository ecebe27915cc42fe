"""Pipeline settings as a deployment derives them from the chart's values.yaml, the production
values file or overrides, for the tests of rendering, the controller and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from goldpipe.deploy.release import derive_release
from goldpipe.deploy.settings import Settings, pipeline_settings
from goldpipe.deploy.values import chart_metadata, chart_values

# The values a production install layers on the defaults (the chart tests render it too).
PRODUCTION = Path(__file__).resolve().parents[1] / "chart" / "values-production.yaml"


def settings_for(values_file: Path | None = None, *, release: str = "goldpipe", **overrides: Any) -> Settings:
    """``overrides`` name a value by its path with ``__`` between keys: ``maintenance__enabled``."""
    values = chart_values(values_file)
    for dotted, value in overrides.items():
        node = values
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node[part]
        node[leaf] = value
    rel = derive_release(values, release_name=release, namespace="analytics", chart=chart_metadata())
    return pipeline_settings(values, rel)
