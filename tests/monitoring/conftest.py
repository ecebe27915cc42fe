"""Fixtures of the monitoring tier: promtool and Prometheus (Debian's package, installed by
scripts/install-packages.sh monitoring), and the chart rendered with its monitoring on (the chart tier's
helm fixtures)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.chart.conftest import Rendered, chart_dir, helm, monitoring, rule_groups  # noqa: F401 (fixtures)
from tests.conftest import require

INSTALL = "run scripts/install-packages.sh monitoring (make tools)"
# The labels the chart's ServiceMonitor gives the controller's series in the release `goldpipe`
# of namespace `analytics`: the rules select them.
TARGET = {"namespace": "analytics", "job": "goldpipe-controller"}


def binary(name: str) -> Path:
    found = shutil.which(name)
    require("monitoring", found is not None, f"{name} is not on PATH: {INSTALL}")
    assert found is not None
    return Path(found)


@pytest.fixture(scope="session")
def promtool() -> Path:
    return binary("promtool")


@pytest.fixture(scope="session")
def prometheus_binary() -> Path:
    return binary("prometheus")


def write_rules(rendered: Rendered, path: Path) -> Path:
    """The PrometheusRule's groups as a Prometheus rule file."""
    path.write_text(yaml.safe_dump({"groups": rule_groups(rendered)}, sort_keys=False), encoding="utf-8")
    return path
