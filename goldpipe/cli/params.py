"""Checks of command-line values shared by the commands: a usage error listing what is valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from goldpipe.core.contract import JOB_NAMES
from goldpipe.core.dates import DateSpec, parse_date, parse_date_spec, unfinished


def job_name(value: str, hint: str = "JOB") -> str:
    if value not in JOB_NAMES:
        raise click.BadParameter(
            f"unknown job {value!r}; valid jobs: {', '.join(JOB_NAMES)}", param_hint=hint
        )
    return value


def _store_values_file(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    values = ctx.ensure_object(dict)
    if value is not None or "values_file" not in values:
        values["values_file"] = value
    return value


# The one `-f`: an option of the group (`goldpipe -f v.yaml render`) and of every command
# (`goldpipe render -f v.yaml`, as helm users type it); the later one wins.
values_option = click.option(
    "-f",
    "--values",
    type=click.Path(dir_okay=False),
    expose_value=False,
    callback=_store_values_file,
    help="Values file (the chart's values.yaml shape). Default: $GOLDPIPE_VALUES, else ./values.yaml.",
)


class DateParam(click.ParamType[dt.date | DateSpec]):
    """The one date parameter type: a day ``YYYY-MM-DD`` or, with ``spec``, also a range
    ``D1..D2`` or ``auto`` (a ``DateSpec``); a usage error naming the accepted forms otherwise."""

    name = "DATE"

    def __init__(self, *, spec: bool = False) -> None:
        self.spec = spec

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date | DateSpec:
        if isinstance(value, DateSpec | dt.date):
            return value
        try:
            return parse_date_spec(str(value)) if self.spec else parse_date(str(value))
        except ValueError as exc:
            # Named as the user typed it (`--date`, unquoted), like the commands' other usage errors.
            hint = max(param.opts, key=len) if param is not None else None
            raise click.BadParameter(str(exc), ctx=ctx, param_hint=hint) from None


DAY = DateParam()
DAYS = DateParam(spec=True)


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
