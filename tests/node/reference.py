"""What the cluster's runs must write: the same seeded silver in an embedded lakehouse on this
machine, every gold job run by `goldpipe run-local`, and gold rows to compare (without
``computed_at``, the one column that depends on when a row was written)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any

from pyiceberg.expressions import EqualTo

from goldpipe.core.contract import GOLD_TABLES
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from tests.node.release import GOLDPIPE

VOLATILE = {"computed_at"}


def local_gold(home: Path, days: tuple[dt.date, ...], *, orders_per_day: int, seed: int) -> Any:
    env = {**os.environ, "GOLDPIPE_HOME": str(home)}
    for args in (
        ["seed", "--days", str(len(days)), "--end-date", days[-1].isoformat(),
         "--orders-per-day", str(orders_per_day), "--seed", str(seed)],
        ["run-local", "--date", f"{days[0]}..{days[-1]}"],
    ):  # fmt: skip
        proc = subprocess.run(
            [str(GOLDPIPE), *args], env=env, capture_output=True, text=True, timeout=900, check=False
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return load_catalog(resolve_embedded(CatalogConfig(name="lake"), home))


def gold_rows(catalog: Any, job: str, day: dt.date) -> list[tuple[Any, ...]]:
    """``job``'s rows of ``day`` on ``main``, sorted, without the volatile columns."""
    table = catalog.load_table(GOLD_TABLES[job].identifier)
    rows = table.scan(row_filter=EqualTo(term="event_date", value=day)).to_arrow().to_pylist()
    # Sorted by their text: columns may be null.
    return sorted((tuple((k, v) for k, v in sorted(r.items()) if k not in VOLATILE) for r in rows), key=repr)
