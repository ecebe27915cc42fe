"""The node tier: goldpipe on a real single-node cluster (``localcluster``): its own images run by
a real kubelet on containerd and runc, the Spark Operator as a pod, drivers and executors as
containers on a CNI bridge, kube-proxy and CoreDNS.

One cluster and one release serve the session; the modules run in the order of their names.
Seeded days, oldest first:

    days[0]  the scheduled run's catch-up (test_02), an executor deleted (test_04)
    days[1]  the scheduled run (test_02), three executors and dynamic allocation (test_03),
             the driver deleted (test_04)
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from goldpipe.core.dates import yesterday
from localcluster.cluster import Cluster
from localcluster.images import GOLDPIPE_IMAGES
from localcluster.layout import IMAGES_CACHE, Layout, missing_binaries
from tests.conftest import mark_tier, require
from tests.node.release import Release

SEEDED_DAYS = 2
ORDERS_PER_DAY = 40
SEED = 17


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, "node")


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require("node", platform.system() == "Linux", "needs Linux (namespaces, cgroups, iptables)")
    require("node", os.geteuid() == 0, "needs root (network namespaces, mounts, iptables)")
    missing = missing_binaries()
    require("node", not missing, f"missing {', '.join(missing)}: run make tools")
    archives = [IMAGES_CACHE / f"{name}.oci.tar" for name in GOLDPIPE_IMAGES]
    require(
        "node", all(a.exists() for a in archives), f"no image archives in {IMAGES_CACHE}: run make images"
    )
    cluster = Cluster.at(Layout(tmp_path_factory.mktemp("node") / "cluster"), die_with_parent=True)
    try:
        cluster.up()
        yield cluster
    finally:
        cluster.down()


@pytest.fixture(scope="session")
def days() -> tuple[dt.date, ...]:
    end = yesterday()
    return tuple(end - dt.timedelta(days=SEEDED_DAYS - 1 - i) for i in range(SEEDED_DAYS))


@pytest.fixture(scope="session")
def release(node: Cluster, days: tuple[dt.date, ...], tmp_path_factory: pytest.TempPathFactory) -> Release:
    release = Release(node, tmp_path_factory.mktemp("release"))
    release.install()
    release.seed(
        "--days", str(SEEDED_DAYS), "--end-date", days[-1].isoformat(),
        "--orders-per-day", str(ORDERS_PER_DAY), "--seed", str(SEED),
    )  # fmt: skip
    return release


@pytest.fixture(scope="session")
def reference(days: tuple[dt.date, ...], tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The same silver in an embedded lakehouse here and every gold job of every day by
    `goldpipe run-local`: the rows the cluster's runs must write."""
    from tests.node.reference import local_gold

    return local_gold(tmp_path_factory.mktemp("reference"), days, orders_per_day=ORDERS_PER_DAY, seed=SEED)
