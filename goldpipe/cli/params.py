"""Checks of command-line values shared by the commands: a usage error listing what is valid."""

from __future__ import annotations

import datetime as dt

import click

from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.dates import parse_date, unfinished


def job_name(value: str, hint: str = "JOB") -> str:
    if value not in JOB_NAMES:
        raise click.BadParameter(
            f"unknown job {value!r}; valid jobs: {', '.join(JOB_NAMES)}", param_hint=hint
        )
    return value


def _store_values_file(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(dict)["values_file"] = value
    return value


# `-f` is an option of the group (`goldpipe -f v.yaml render`); also accepted after the command
# (`goldpipe render -f v.yaml`), as helm users type it.
values_option = click.option(
    "-f",
    "--values",
    type=click.Path(dir_okay=False),
    expose_value=False,
    callback=_store_values_file,
    help="Values file (the chart's values.yaml shape); the same as `goldpipe -f FILE ...`.",
)


def day(value: str, hint: str = "--date") -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


# Runs of explicit days take it (run-local, run, backfill): `auto` never picks an unfinished day.
allow_unfinished_option = click.option(
    "--allow-unfinished-days",
    is_flag=True,
    help="Also run days that have not ended yet (today or later, UTC).",
)


def refuse_unfinished(days: tuple[dt.date, ...], allowed: bool, hint: str = "--date") -> None:
    """A usage error for a day that has not ended, unless ``allowed`` (``goldpipe.core.dates.unfinished``)."""
    today = dt.datetime.now(dt.UTC).date()
    early = unfinished(days, today)
    if early and not allowed:
        raise click.BadParameter(
            f"{early[0]} has not ended yet (today is {today} UTC): its silver is incomplete, and once "
            "published --date auto never redoes it; pass --allow-unfinished-days to run it anyway",
            param_hint=hint,
        )
