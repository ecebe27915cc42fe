"""Shared fixtures: a real local Spark session with the Iceberg runtime, and fresh lakehouses.

A test tier whose tool is missing is skipped on a laptop but FAILS when ``CI`` is set: in CI a
skip would hide a tier that never ran.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded, spark_catalog_conf

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Business days are UTC; PySpark converts timestamps through the process's local zone.
os.environ["TZ"] = "UTC"
time.tzset()


def require(tier: str, ok: bool, why: str) -> None:
    """Skip (laptop) or fail (CI) when a tier's prerequisite is missing."""
    if ok:
        return
    message = f"test tier {tier!r} cannot run: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: a missing tier is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def mark_tier(items: list[pytest.Item], directory: Path, marker: str) -> None:
    """Give every collected test below ``directory`` the tier's marker (for ``pytest -m``)."""
    for item in items:
        if directory in item.path.parents:
            item.add_marker(getattr(pytest.mark, marker))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failed test: nothing may silently not run."""
    if not IN_CI or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped:
        print(f"\nCI=true: {len(skipped)} test(s) skipped; in CI a skip is a failure", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local[2] session for the whole run; catalogs are added per test (see ``lakehouse``)."""
    require("spark", shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME")), "no Java found")
    try:
        import pyspark  # noqa: F401

        from goldpipe.lakehouse.jars import local_jars

        jars = local_jars()
    except Exception as exc:
        require("spark", False, str(exc))
        raise
    from spark_apps.session import local_session

    # Extensions and time zone must be set at start; catalogs are added later, one per test.
    static = {
        key: value
        for key, value in spark_catalog_conf(CatalogConfig()).items()
        if not key.startswith("spark.sql.catalog.")
    }
    session = local_session(static, jars, app_name="goldpipe-tests", shuffle_partitions=2)
    yield session
    session.stop()


@dataclass
class Lakehouse:
    """A fresh embedded lakehouse (SQLite catalog + warehouse dir) under its own catalog name."""

    root: Path
    config: CatalogConfig

    @property
    def name(self) -> str:
        return self.config.name

    def pyiceberg(self) -> Any:
        return load_catalog(self.config, create=True)


_counter = itertools.count()


def new_lakehouse(root: Path, spark: Any | None = None) -> Lakehouse:
    cfg = resolve_embedded(CatalogConfig(name=f"lake{next(_counter)}"), root)
    lakehouse = Lakehouse(root, cfg)
    lakehouse.pyiceberg()  # creates the directories and the catalog's SQL tables
    if spark is not None:
        for key, value in spark_catalog_conf(cfg).items():
            if key.startswith("spark.sql.catalog."):
                spark.conf.set(key, value)
    return lakehouse


@pytest.fixture
def lakehouse(tmp_path: Path, spark: Any) -> Lakehouse:
    return new_lakehouse(tmp_path / "lakehouse", spark)
