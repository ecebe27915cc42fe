"""``goldpipe seed``'s weekly pattern and injected incidents: what each does to its day, and only
to its day, deterministically."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from goldpipe.core.errors import GoldpipeError, UsageError
from goldpipe.seed import Season, generate_day, generate_dimensions, parse_incident, parse_weekly
from tests.support.seeding import catalog, run_cli

N, SEED = 100, 5
WEDNESDAY, SATURDAY = dt.date(2026, 11, 18), dt.date(2026, 11, 21)
DIP = (1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.4)
DIMS = generate_dimensions(SEED, N, SATURDAY)


def day(when: dt.date, season: Season | None = None) -> dict[str, pa.Table]:
    return generate_day(when, N, SEED, DIMS, season)


def order_ids(tables: dict[str, pa.Table]) -> int:
    return len(pc.unique(tables["orders"].column("order_id")))


def test_a_plain_weekday_is_unchanged_by_a_season():
    assert day(WEDNESDAY, Season(DIP, {SATURDAY: "cents"})) == day(WEDNESDAY)


def test_the_weekend_dip_and_half_orders():
    assert order_ids(day(WEDNESDAY)) == N
    assert order_ids(day(SATURDAY, Season(DIP))) == 40
    assert order_ids(day(WEDNESDAY, Season(DIP, {WEDNESDAY: "half-orders"}))) == 50
    # Fewer orders, fewer visits too: the dip is in the traffic, not only in the checkout.
    assert day(SATURDAY, Season(DIP))["events"].num_rows < 0.6 * day(SATURDAY)["events"].num_rows
    assert day(SATURDAY, Season(DIP)) == day(SATURDAY, Season(DIP))


def test_prices_in_cents_are_the_same_prices_a_hundred_times():
    plain, cents = (
        day(WEDNESDAY)["order_items"],
        day(WEDNESDAY, Season(incidents={WEDNESDAY: "cents"}))["order_items"],
    )
    assert cents.num_rows == plain.num_rows
    hundred = pa.scalar(Decimal(100), pa.decimal128(5, 0))
    for column in ("unit_price", "discount_amount"):
        assert cents.column(column).to_pylist() == pc.multiply(plain.column(column), hundred).to_pylist()


def test_a_burst_of_rejected_rows():
    plain = day(WEDNESDAY)["order_items"]
    burst = day(WEDNESDAY, Season(incidents={WEDNESDAY: "rejected-burst"}))["order_items"]
    extra = burst.column("unit_price").null_count - plain.column("unit_price").null_count
    assert extra >= 0.09 * plain.num_rows
    assert burst.drop_columns(["unit_price"]) == plain.drop_columns(["unit_price"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: parse_weekly("1,1,1"), "7 factors"),
        (lambda: parse_weekly("1,1,1,1,1,0,1"), "each above 0"),
        (lambda: parse_weekly("a,b"), "7 numbers separated by commas"),
        (lambda: parse_incident("2026-11-18"), "KIND is one of half-orders, cents, rejected-burst"),
        (lambda: parse_incident("18.11.2026:cents"), "expected YYYY-MM-DD:KIND"),
    ],
)
def test_bad_season_options_say_what_is_wrong(call, message):
    with pytest.raises(UsageError, match=message):
        call()


def test_a_season_refuses_an_unknown_incident():
    with pytest.raises(GoldpipeError, match="unknown incident fire"):
        Season(incidents={WEDNESDAY: "fire"})


def test_cli_seeds_a_season(home: Path) -> None:
    args = ["--days", "7", "--end-date", "2026-11-22", "--orders-per-day", "30"]
    result = run_cli(*args, "--weekly-pattern", "1,1,1,1,1,0.4,0.4", "--incident", "2026-11-18:half-orders")
    assert result.exit_code == 0, result.output
    assert "weekly Mon 1 Tue 1 Wed 1 Thu 1 Fri 1 Sat 0.4 Sun 0.4; half-orders on 2026-11-18" in result.stdout
    orders = catalog().load_table("silver.orders").scan(selected_fields=("order_id",)).to_arrow()
    per_day = {d: 0 for d in ("20261118", "20261121", "20261116")}
    for oid in set(orders.column("order_id").to_pylist()):
        if oid[1:9] in per_day:
            per_day[oid[1:9]] += 1
    assert per_day == {"20261118": 15, "20261121": 12, "20261116": 30}


def test_cli_refuses_an_incident_outside_the_days(home: Path) -> None:
    result = run_cli("--days", "2", "--end-date", "2026-11-22", "--incident", "2026-11-18:cents")
    assert result.exit_code == 2
    assert "outside the seeded days 2026-11-21..2026-11-22" in result.stderr
    assert not home.exists()
