"""``goldpipe.seed.seed_silver``: writing the seeded days to a catalog, refusing to overwrite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from goldpipe.core import contract as ct
from goldpipe.core.errors import GoldpipeError
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.seed import seed_silver
from tests.support.seeding import DAY, SEED, catalog, seed_into


def test_seed_silver_writes_partitioned_tables(home: Path) -> None:
    cat = catalog()
    summary, lines = seed_into(cat)
    assert (summary.first_day, summary.last_day) == (DAY - dt.timedelta(days=1), DAY)
    for name, contract in ct.SILVER_TABLES.items():
        table = cat.load_table(contract.identifier)
        assert table.format_version == 2
        fields = table.spec().fields
        assert [(table.schema().find_column_name(f.source_id), str(f.transform)) for f in fields] == [
            (column, transform) for column, transform in contract.partitioning
        ], name
        data = table.scan().to_arrow()
        assert data.num_rows == summary.rows[name] > 0, name
        assert data.schema.names == list(contract.column_names)
    assert any("orders" in line and "rows" in line for line in lines)
    assert "seeded silver" in summary.describe()


def test_seed_silver_refuses_existing_tables_without_replace(home: Path) -> None:
    cat = catalog()
    seed_into(cat)
    before = {
        n: cat.load_table(c.identifier).metadata.current_snapshot_id for n, c in ct.SILVER_TABLES.items()
    }
    with pytest.raises(GoldpipeError, match=r"silver\.orders.*--replace"):
        seed_into(cat, days=1, n=20)
    after = {
        n: cat.load_table(c.identifier).metadata.current_snapshot_id for n, c in ct.SILVER_TABLES.items()
    }
    assert after == before


def test_seed_silver_refuses_when_only_one_silver_table_exists(home: Path) -> None:
    from goldpipe.lakehouse.schema import create_table

    cat = catalog()
    create_table(cat, ct.EVENTS)
    with pytest.raises(GoldpipeError, match=r"silver\.events"):
        seed_into(cat)
    assert not cat.table_exists(ct.ORDERS.identifier)


def test_seed_silver_replace_reseeds_silver_only(home: Path) -> None:
    from goldpipe.lakehouse.schema import create_table

    cat = catalog()
    seed_into(cat, n=10)
    gold = create_table(cat, ct.REJECTED_ROWS)
    gold_snapshot = gold.metadata.current_snapshot_id
    summary, lines = seed_into(cat, days=1, n=20, replace=True)
    assert any(line == "dropped silver.orders" for line in lines)
    orders = cat.load_table(ct.ORDERS.identifier).scan().to_arrow()
    assert orders.num_rows == summary.rows["orders"]
    assert len(set(orders.column("order_id").to_pylist())) == 20
    assert cat.table_exists(ct.REJECTED_ROWS.identifier)
    assert cat.load_table(ct.REJECTED_ROWS.identifier).metadata.current_snapshot_id == gold_snapshot


def test_a_day_reads_back_the_same_from_a_1_and_a_5_day_seed(tmp_path: Path) -> None:
    from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded

    def day_rows(root: Path, days: int) -> dict[str, list[dict[str, Any]]]:
        cat = load_catalog(resolve_embedded(CatalogConfig(), root), create=True)
        seed_silver(cat, days=days, end_date=DAY, orders_per_day=10, seed=SEED, replace=False)
        out = {}
        for name, ts in [("orders", "order_ts"), ("order_items", "order_ts"), ("events", "event_ts")]:
            data = cat.load_table(f"silver.{name}").scan(
                row_filter=f"{ts} >= '{DAY.isoformat()}T00:00:00+00:00'"
            )
            table = data.to_arrow()
            out[name] = sorted(
                table.to_pylist(), key=lambda r: (str(r[ct.SILVER_TABLES[name].key[0]]), str(r))
            )
        return out

    assert day_rows(tmp_path / "one", 1) == day_rows(tmp_path / "five", 5)
