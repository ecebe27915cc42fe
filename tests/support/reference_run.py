"""A gold run written without Spark: the DuckDB reading of the contract, committed by pyiceberg
like the Spark job commits (a branch cut from main, goldpipe's snapshot properties), but one
commit per table and day, as runs committed before a run's days went into one commit. For tests and benchmarks of the audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.names import DATE_PROPERTY, RUN_PROPERTY, branch_name

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import Table

Mutation = Callable[[str, dt.date, "pa.Table"], "pa.Table | None"]


def reference_gold(catalog: Catalog, day: dt.date) -> dict[str, pa.Table]:
    import duckdb

    from goldpipe.checks.reference.gold import compute_gold
    from goldpipe.checks.reference.silver import register_silver

    con = duckdb.connect()
    try:
        register_silver(con, catalog, day)
        return compute_gold(con, day)
    finally:
        con.close()


def gold_table(catalog: Catalog, job: str) -> Table:
    """The job's gold table, created (with a first empty commit to cut branches from) if needed."""
    import pyarrow as pa

    from goldpipe.lakehouse.schema import arrow_schema, create_table

    contract = GOLD_TABLES[job]
    if not catalog.table_exists(contract.identifier):
        table = create_table(catalog, contract)
        table.append(pa.Table.from_pylist([], schema=arrow_schema(contract)))
    return catalog.load_table(contract.identifier)


def write_reference_run(
    catalog: Catalog,
    run_id: str,
    days: tuple[dt.date, ...],
    *,
    jobs: tuple[str, ...] = JOB_NAMES,
    computed_at: dt.datetime,
    mutate: Mutation | None = None,
) -> None:
    """Leave run ``run_id`` on its branch. ``mutate`` may corrupt a day's rows (or return None
    to leave the day out)."""
    import pyarrow as pa
    from pyiceberg.expressions import EqualTo

    branch = branch_name(run_id)
    computed = {day: reference_gold(catalog, day) for day in days}
    for job in jobs:
        table = gold_table(catalog, job)
        if branch not in table.metadata.refs:
            with table.manage_snapshots() as ms:
                ms.create_branch(table.metadata.refs["main"].snapshot_id, branch)
        # A commit per day, as goldpipe's runs committed before a run's days went into one
        # commit: what reads the commits (audit, checks, publish) must still read those.
        for day in days:
            rows = computed[day][job]
            rows = rows.append_column(
                "computed_at", pa.array([computed_at] * rows.num_rows, pa.timestamp("us", "UTC"))
            )
            if mutate is not None:
                mutated = mutate(job, day, rows)
                if mutated is None:
                    continue
                rows = mutated
            table.overwrite(
                rows.cast(table.schema().as_arrow()),
                overwrite_filter=EqualTo(term="event_date", value=day.isoformat()),
                branch=branch,
                snapshot_properties={DATE_PROPERTY: day.isoformat(), RUN_PROPERTY: run_id},
            )
