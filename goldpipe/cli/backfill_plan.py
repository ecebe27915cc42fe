"""Which days a backfill runs next: pure planning over the states of its runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from goldpipe.deploy.vocabulary import COMPLETED, FAILED_STATES, TERMINAL_STATES


@dataclass(frozen=True)
class BackfillStep:
    """What a backfill does next: runs to create now, and whether it is finished."""

    create: tuple[dt.date, ...]
    done: bool


def backfill_step(
    days: tuple[dt.date, ...], states: Mapping[dt.date, str | None], parallel: int, attempted: set[dt.date]
) -> BackfillStep:
    """Pure scheduling: days already COMPLETED are skipped (resume), at most ``parallel`` in flight.

    ``states`` maps a day to its run's state, None when no run exists. ``attempted`` holds the
    days this backfill created: a day that failed in an earlier backfill is run again, one that
    failed in this one stays failed (the run's own restart policy already retried it).
    """
    in_flight = sum(1 for d in days if states.get(d) is not None and states[d] not in TERMINAL_STATES)
    free = max(0, parallel - in_flight)
    todo = [d for d in days if states.get(d) is None or (states[d] in FAILED_STATES and d not in attempted)]
    finished = in_flight == 0 and all(
        states.get(d) == COMPLETED or (states.get(d) in FAILED_STATES and d in attempted) for d in days
    )
    return BackfillStep(create=tuple(todo[:free]), done=finished and not todo)
