"""The production-profile tier: goldpipe's production services as real servers on loopback.

| fixture        | server                                             | from                                    |
|----------------|----------------------------------------------------|-----------------------------------------|
| `postgres`     | PostgreSQL 15 (a throwaway cluster)                | the system (Debian's postgresql-15)     |
| `s3`           | SeaweedFS `weed server -s3`                        | `scripts/install-tools.sh lakehouse`    |
| `rest_catalog` | Apache Iceberg's REST catalog server, on `s3`      | `scripts/fetch-rest-catalog.sh`         |

One of each serves the whole session (`tests/support/servers.py` starts them on free ports of
127.0.0.1, in temporary directories, and stops them by pid). A missing server skips the tier on
a laptop and fails it in CI, like every tier.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import mark_tier, require
from tests.support import servers
from tests.support.servers import S3, Postgres, RestCatalog

__all__ = ["S3", "Postgres", "RestCatalog"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    mark_tier(items, Path(__file__).parent, "production")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    missing = servers.missing_postgres()
    require("production", not missing, f"missing {', '.join(missing)}: install PostgreSQL 15 (postgresql-15)")
    with servers.postgres_server(tmp_path_factory.mktemp("postgres-logs")) as server:
        yield server


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    missing = servers.missing_weed()
    require(
        "production", not missing, f"missing {', '.join(missing)}: run scripts/install-tools.sh lakehouse"
    )
    with servers.seaweedfs_server(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(scope="session")
def rest_catalog(s3: S3, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestCatalog]:
    missing = servers.missing_rest_catalog()
    shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    require("production", not missing, f"missing {shown}: run scripts/fetch-rest-catalog.sh")
    with servers.rest_catalog_server(tmp_path_factory.mktemp("iceberg-rest"), s3) as server:
        yield server
