"""What a run's lineage events say about its tables, read from the catalog: the silver snapshots
current when the run started (what its jobs read) and the gold snapshot holding what it wrote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from goldpipe.checks.model import CheckResult
from goldpipe.core.contract import GOLD_TABLES, JOB_INPUTS, SILVER_TABLES
from goldpipe.lakehouse.table_stats import run_snapshot, snapshot_at
from goldpipe.lineage.events import Dataset, JobRun

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog


def job_runs(
    catalog: Catalog,
    jobs: Sequence[str],
    run_id: str,
    started: dt.datetime,
    results: Sequence[CheckResult] = (),
) -> tuple[JobRun, ...]:
    """Per gold job: inputs, output and the check results of its table."""
    silver: dict[str, int | None] = {}
    runs = []
    for job in jobs:
        for name in JOB_INPUTS[job]:
            if name not in silver:
                silver[name] = snapshot_at(catalog, SILVER_TABLES[name].identifier, started)
        runs.append(
            JobRun(
                job=job,
                inputs=tuple(Dataset(SILVER_TABLES[n].identifier, silver[n]) for n in JOB_INPUTS[job]),
                output=Dataset(GOLD_TABLES[job].identifier, run_snapshot(catalog, job, run_id)),
                # A check that failed for several tables at once names them all ("a,b").
                checks=tuple(r for r in results if job in r.table.split(",")),
            )
        )
    return tuple(runs)
