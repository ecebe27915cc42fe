"""Checks of command-line values shared by the commands: a usage error listing what is valid."""

from __future__ import annotations

import datetime as dt

import click

from goldpipe.contract import JOB_NAMES
from goldpipe.dates import parse_date


def job_name(value: str) -> str:
    if value not in JOB_NAMES:
        raise click.BadParameter(
            f"unknown job {value!r}; valid jobs: {', '.join(JOB_NAMES)}", param_hint="JOB"
        )
    return value


def day(value: str, hint: str = "--date") -> dt.date:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None
