"""``goldpipe show`` and ``goldpipe check``: what the tables hold on ``main``, the published data."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING

import click

from goldpipe.cli.output import check_table, format_table
from goldpipe.cli.params import DAY, job_name, values_option
from goldpipe.core.contract import GOLD_NAMESPACE, GOLD_TABLES, SILVER_TABLES, TableContract, reading_order
from goldpipe.core.errors import GoldpipeError
from goldpipe.deploy.settings import load_settings
from goldpipe.lakehouse.catalog import load_catalog

if TYPE_CHECKING:
    from pyiceberg.expressions import BooleanExpression

# Bookkeeping columns `show` leaves out unless asked (--all-columns).
HIDDEN_COLUMNS = ("computed_at", "ingested_at")


def _known_tables() -> dict[str, TableContract]:
    from goldpipe.checks.history import CHECK_RESULTS

    tables = {t.identifier: t for t in (*GOLD_TABLES.values(), *SILVER_TABLES.values())}
    tables[CHECK_RESULTS.identifier] = CHECK_RESULTS
    return tables


def _resolve_table(name: str) -> TableContract:
    namespace, _, table = name.rpartition(".")
    known = _known_tables()
    contract = known.get(f"{namespace or GOLD_NAMESPACE}.{table}")
    if contract is None:
        raise click.BadParameter(
            f"unknown table {name!r}; known: {', '.join(sorted(known))}", param_hint="TABLE"
        )
    return contract


def _day_filter(contract: TableContract, day: dt.date) -> BooleanExpression:
    """The rows of business day ``day``: by ``event_date`` (gold, the audit's record), by the UTC
    day of the business timestamp (silver facts); a dimension has no day."""
    from goldpipe.lakehouse import gold_tables, silver_tables

    if "event_date" in contract.column_names:
        return gold_tables.day_filter(day)
    if contract.partitioning:
        return silver_tables.day_filter(contract, day)
    with_days = [t.identifier for t in SILVER_TABLES.values() if t.partitioning]
    raise click.BadParameter(
        f"{contract.identifier} has no business day (a dimension: the versions of every key); --date "
        f"applies to the gold tables, audit.check_results and {', '.join(with_days)}",
        param_hint="--date",
    )


@click.command("show")
@values_option
@click.argument("table")
@click.option("--date", "day", type=DAY, default=None, help="Only this business day (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Rows at most.")
@click.option("--all-columns", is_flag=True, help=f"Also {' and '.join(HIDDEN_COLUMNS)}.")
@click.pass_context
def show(ctx: click.Context, table: str, day: dt.date | None, limit: int, all_columns: bool) -> None:
    """Print rows of a table from main: gold (the default namespace), silver, or the audit's
    audit.check_results; gold newest day first."""
    from pyiceberg.exceptions import NoSuchTableError
    from pyiceberg.expressions import AlwaysTrue

    contract = _resolve_table(table)
    identifier = contract.identifier
    row_filter: BooleanExpression = AlwaysTrue()
    if day is not None:  # arguments first: a usage error touches nothing
        row_filter = _day_filter(contract, day)
    cfg = load_settings(ctx.obj["values_file"]).catalog
    try:
        iceberg_table = load_catalog(cfg).load_table(identifier)
    except NoSuchTableError:
        raise GoldpipeError(f"table {identifier} does not exist yet in catalog {cfg.name!r}") from None
    data = iceberg_table.scan(row_filter=row_filter).to_arrow()
    hidden = [] if all_columns else [c for c in data.column_names if c in HIDDEN_COLUMNS]
    columns = [c for c in data.column_names if c not in hidden]
    order = reading_order(contract)
    if order and len(data):
        data = data.sort_by(list(order))
    rows = [[r[c] for c in columns] for r in data.slice(0, limit).to_pylist()]
    note = f"; {', '.join(hidden)} hidden, --all-columns shows them" if hidden else ""
    click.echo(
        f"{identifier} ({len(data)} row(s){', first ' + str(limit) if len(data) > limit else ''}{note})"
    )
    click.echo(format_table(columns, rows))


@click.command("check")
@values_option
@click.argument("job")
@click.option("--date", "day", type=DAY, required=True, help="Business day (YYYY-MM-DD).")
@click.pass_context
def check(ctx: click.Context, job: str, day: dt.date) -> None:
    """Run the checks of JOB's table for --date on published data (main). Exit 1 on a blocking failure."""
    from goldpipe.checks import history
    from goldpipe.checks.model import verdict
    from goldpipe.checks.runner import CheckTarget, run_checks
    from goldpipe.lakehouse.gold_tables import head

    job, when = job_name(job), day
    settings = load_settings(ctx.obj["values_file"])
    config = settings.checks((job,))
    catalog = load_catalog(settings.catalog)
    identifier = GOLD_TABLES[job].identifier
    if not catalog.table_exists(identifier):
        raise GoldpipeError(f"table {identifier} does not exist yet: nothing to check")
    if head(catalog.load_table(identifier), "main") is None:
        # Created by a run whose audit failed or that was stopped: only its branch has data.
        raise GoldpipeError(
            f"{identifier} has nothing published on main yet: nothing to check "
            f"(publish a day first: goldpipe run-local --date {when})"
        )
    results = run_checks(
        catalog,
        CheckTarget(jobs=(job,), days=(when,), ref="main"),
        config,
        now=dt.datetime.now(dt.UTC),
        history=lambda j, d, window: history.metric_history(catalog, j, d, window),
    )
    click.echo(check_table(results))
    result = verdict(results)
    click.echo(f"{job} {when}: checks {result}")
    if result == "failed":
        sys.exit(1)


COMMANDS = [show, check]
