"""A small real lakehouse with seeded silver, and gold runs left on their branches the way the
Spark job leaves them (``tests.support.reference_run``): audit tests without Spark. And an empty
one, for the seed tests and ``goldpipe seed``'s."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.seed import seed_silver
from tests.support.reference_run import Mutation, gold_table, write_reference_run

LAST_DAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)


@dataclass
class GoldLake:
    root: Path
    catalog: Any
    days: tuple[dt.date, ...]

    def table(self, job: str) -> Any:
        return gold_table(self.catalog, job)

    def write_run(
        self,
        run_id: str,
        days: tuple[dt.date, ...],
        *,
        jobs: tuple[str, ...] = JOB_NAMES,
        mutate: Mutation | None = None,
        computed_at: dt.datetime = NOW,
    ) -> None:
        write_reference_run(self.catalog, run_id, days, jobs=jobs, computed_at=computed_at, mutate=mutate)

    def main_rows(self, job: str) -> list[dict[str, Any]]:
        table = self.catalog.load_table(GOLD_TABLES[job].identifier)
        return sorted(
            table.scan().to_arrow().to_pylist(), key=lambda r: tuple(str(r[k]) for k in GOLD_TABLES[job].key)
        )


@pytest.fixture
def gold_lake(tmp_path: Path) -> GoldLake:
    cfg = resolve_embedded(CatalogConfig(name="lake"), tmp_path / "lake")
    catalog = load_catalog(cfg, create=True)
    seed_silver(
        catalog, days=3, end_date=LAST_DAY, orders_per_day=40, seed=3, replace=False, progress=lambda _: None
    )
    days = tuple(LAST_DAY - dt.timedelta(days=i) for i in (2, 1, 0))
    return GoldLake(tmp_path / "lake", catalog, days)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty embedded lakehouse: GOLDPIPE_HOME in tmp_path, no values file, no overrides."""
    for var in ("GOLDPIPE_VALUES", *(f"GOLDPIPE_CATALOG_{k}" for k in ("NAME", "TYPE", "URI", "WAREHOUSE"))):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
