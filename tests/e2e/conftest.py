"""The end-to-end tier: goldpipe on a real Kubernetes control plane (see controlplane.py).

One control plane and one goldpipe release serve the whole session, so the modules run in the
order of their names and each leaves the release as it found it (the last one uninstalls it).
Seeded days, oldest first, are shared out so that tests never publish the same day twice:

    days[0]  failing runs (test_03)     days[3]  restart (test_06)
    days[1]  backfill (test_04)         days[4]  yesterday
    days[2]  backfill (test_04)

Runs that only prove a gold run works on Kubernetes (a schedule firing, `goldpipe run --wait`)
are the node tier's (tests/node), where the pods really run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from goldpipe.deploy.vocabulary import LABEL_CHECKS
from tests.conftest import mark_tier, require
from tests.e2e.controlplane import ControlPlane, missing_binaries
from tests.e2e.environment import E2E, start_environment

__all__ = ["E2E", "LABEL_CHECKS"]

SEEDED_DAYS = 5
ORDERS_PER_DAY = 60


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, "e2e")


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    missing = missing_binaries()
    require("e2e", not missing, f"missing {', '.join(missing)} in .tools/bin: run scripts/install-tools.sh")
    plane = ControlPlane.start(tmp_path_factory.mktemp("control-plane"))
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def e2e(control_plane: ControlPlane, tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    environment = start_environment(
        control_plane, tmp_path_factory.mktemp("goldpipe"), days=SEEDED_DAYS, orders_per_day=ORDERS_PER_DAY
    )
    try:
        yield environment
    finally:
        environment.stop()
