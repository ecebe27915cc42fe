"""goldpipe.lakehouse.silver_tables: a day's silver rows from the manifests alone."""

from __future__ import annotations

import datetime as dt

from goldpipe.core.contract import SILVER_TABLES
from goldpipe.core.dates import day_bounds
from goldpipe.lakehouse import silver_tables
from tests.goldpipe.conftest import GoldLake

FACTS = ("orders", "order_items", "events")


def _rows_read(lake: GoldLake, day: dt.date) -> int:
    start, end = day_bounds(day)
    total = 0
    for name in FACTS:
        column = SILVER_TABLES[name].partitioning[0][0]
        table = lake.catalog.load_table(SILVER_TABLES[name].identifier)
        rows = table.scan(row_filter=f"{column} >= '{start.isoformat()}' AND {column} < '{end.isoformat()}'")
        total += rows.to_arrow().num_rows
    return total


def test_day_rows_are_the_rows_of_the_days_files(gold_lake: GoldLake) -> None:
    for day in gold_lake.days:
        assert silver_tables.day_rows(gold_lake.catalog, day, FACTS) == _rows_read(gold_lake, day) > 0
    # Dimensions are not partitioned by day: they do not count.
    with_dimensions = silver_tables.day_rows(gold_lake.catalog, gold_lake.days[0], (*FACTS, "customers"))
    assert with_dimensions == _rows_read(gold_lake, gold_lake.days[0])


def test_a_day_without_silver_has_no_rows(gold_lake: GoldLake) -> None:
    assert silver_tables.day_rows(gold_lake.catalog, gold_lake.days[-1] + dt.timedelta(days=1), FACTS) == 0


def test_unknown_when_a_table_is_missing(gold_lake: GoldLake) -> None:
    gold_lake.catalog.drop_table(SILVER_TABLES["events"].identifier)
    assert silver_tables.day_rows(gold_lake.catalog, gold_lake.days[0], FACTS) is None
    assert silver_tables.largest_day_rows(gold_lake.catalog, FACTS, gold_lake.days) is None


def test_largest_day_rows_takes_the_larger_of_the_first_and_last_day(gold_lake: GoldLake) -> None:
    first, last = gold_lake.days[0], gold_lake.days[-1]
    expected = max(_rows_read(gold_lake, first), _rows_read(gold_lake, last))
    assert silver_tables.largest_day_rows(gold_lake.catalog, FACTS, gold_lake.days) == expected
    assert silver_tables.largest_day_rows(gold_lake.catalog, FACTS, ()) is None
