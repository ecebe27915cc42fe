"""``goldpipe seed``: write deterministic synthetic silver data into the configured catalog."""

from __future__ import annotations

import datetime as dt

import click

from goldpipe.cli.params import DAY, values_option
from goldpipe.core.dates import MAX_RANGE_DAYS, yesterday
from goldpipe.core.errors import UsageError

DEFAULT_DAYS = 3
DEFAULT_ORDERS_PER_DAY = 1000
DEFAULT_SEED = 42
# Mirrors goldpipe.seed.MIN_ORDERS_PER_DAY; not imported so that `goldpipe --help` does not
# load numpy and pyarrow.
MIN_ORDERS_PER_DAY = 10


@click.command()
@values_option
@click.option(
    "--days",
    # At most what `run-local --date` accepts, so that --print-range output is usable there.
    type=click.IntRange(1, MAX_RANGE_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Number of consecutive days to seed, ending with --end-date.",
)
@click.option(
    "--end-date",
    type=DAY,
    default=None,
    metavar="YYYY-MM-DD",
    help="Last day to seed (UTC).  [default: yesterday UTC]",
)
@click.option(
    "--orders-per-day",
    type=click.IntRange(min=MIN_ORDERS_PER_DAY),
    default=DEFAULT_ORDERS_PER_DAY,
    show_default=True,
    help="Orders per day; events are about 10x, items about 2.5x.",
)
@click.option(
    "--seed",
    "seed_value",
    type=click.IntRange(min=0),
    default=DEFAULT_SEED,
    show_default=True,
    help="Random seed; the same options always produce the same rows.",
)
@click.option(
    "--weekly-pattern",
    metavar="MON,...,SUN",
    help="Seven factors of --orders-per-day, Monday first, e.g. 1,1,1,1,1,0.4,0.4 for a 60%% weekend dip.",
)
@click.option(
    "--incident",
    "incidents",
    multiple=True,
    metavar="YYYY-MM-DD:KIND",
    help="Inject an incident on a day (repeatable). KIND: half-orders (half the orders), cents "
    "(prices 100 times too large), rejected-burst (null unit price on 10%% of the item rows).",
)
@click.option("--replace", is_flag=True, help="Drop and recreate existing silver tables (only those).")
@click.option(
    "--print-range",
    is_flag=True,
    help="Print the days the other options select as YYYY-MM-DD..YYYY-MM-DD and exit; writes nothing.",
)
@click.pass_context
def seed(
    ctx: click.Context,
    days: int,
    end_date: dt.date | None,
    orders_per_day: int,
    seed_value: int,
    weekly_pattern: str | None,
    incidents: tuple[str, ...],
    replace: bool,
    print_range: bool,
) -> None:
    """Write synthetic silver tables (customers, products, orders, order_items, events).

    The data is deterministic and contains the dirt the data contract describes
    (redeliveries, later versions, every rejection reason, unknown ids, ...).
    """
    end_date = end_date or yesterday()
    first_day = end_date - dt.timedelta(days=days - 1)
    if print_range:
        click.echo(f"{first_day.isoformat()}..{end_date.isoformat()}")
        return

    from goldpipe.deploy.settings import load_settings
    from goldpipe.lakehouse.catalog import load_catalog
    from goldpipe.seed import Season, parse_incident, parse_weekly, seed_silver

    # Bad options fail here, before the catalog is touched (GoldpipeError: one line, exit 2).
    injected = dict(parse_incident(text) for text in incidents)
    outside = sorted(d.isoformat() for d in injected if not first_day <= d <= end_date)
    if outside:
        raise UsageError(
            f"--incident on {', '.join(outside)}: outside the seeded days {first_day}..{end_date}"
        )
    season = Season(parse_weekly(weekly_pattern) if weekly_pattern else (1.0,) * 7, injected)
    catalog = load_catalog(load_settings((ctx.obj or {}).get("values_file")).catalog, create=True)
    summary = seed_silver(
        catalog,
        days=days,
        end_date=end_date,
        orders_per_day=orders_per_day,
        seed=seed_value,
        replace=replace,
        season=season,
        progress=lambda line: click.echo(line, err=True),
    )
    click.echo(summary.describe())


COMMANDS = [seed]
