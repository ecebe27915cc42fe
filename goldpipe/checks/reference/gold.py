"""``compute_gold``: the gold tables of one day from the ``silver_*`` relations, in DuckDB."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from goldpipe.checks.reference.queries import GOLD_SQL, STAGE_EVENTS, STAGE_STATEMENTS, STAGE_TABLES
from goldpipe.core import contract as c
from goldpipe.core.dates import day_bounds

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

# Left out of every comparison, so compute_gold does not produce it.
EXCLUDED_GOLD_COLUMNS: Final = ("computed_at",)


def _arrow_type(contract_type: str) -> pa.DataType:
    import pyarrow as pa

    if contract_type.startswith("decimal("):
        precision, scale = contract_type.removeprefix("decimal(").removesuffix(")").split(",")
        return pa.decimal128(int(precision), int(scale))
    types: dict[str, pa.DataType] = {
        "string": pa.string(),
        "int": pa.int32(),
        "long": pa.int64(),
        "double": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamptz": pa.timestamp("us", tz="UTC"),
    }
    return types[contract_type]


def gold_arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema ``compute_gold`` returns for gold table ``table`` (no ``computed_at``).

    Required contract columns are non-nullable fields; strings are ``string`` (pyiceberg
    reads ``large_string``: cast before comparing with ``Table.equals``).
    """
    import pyarrow as pa

    contract = c.GOLD_TABLES[table]
    return pa.schema(
        [
            pa.field(col.name, _arrow_type(col.type), nullable=not col.required)
            for col in contract.columns
            if col.name not in EXCLUDED_GOLD_COLUMNS
        ]
    )


_PARAM = re.compile(r"\$(\w+)")


def _params_of(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The subset of ``params`` that ``sql`` uses: DuckDB rejects unused named parameters."""
    return {name: params[name] for name in set(_PARAM.findall(sql))}


def compute_gold(
    con: duckdb.DuckDBPyConnection, day: dt.date, tables: Iterable[str] | None = None
) -> dict[str, pa.Table]:
    """The gold tables of ``day`` (all four, or ``tables``), keyed by gold table name, computed
    from the ``silver_*`` relations of ``con`` (see ``SILVER_RELATIONS``). Only the silver a
    requested table needs is staged: the sales summary alone never reads events.

    The fact relations may hold rows of other days; only the day's rows are used. Columns are
    the contract's in contract order without ``computed_at``, typed as ``gold_arrow_schema``.
    The connection's ``TimeZone`` is UTC while the queries run and restored afterwards;
    temporary ``_gp_*`` tables are created and dropped.
    """
    wanted = tuple(GOLD_SQL) if tables is None else tuple(t for t in GOLD_SQL if t in set(tables))
    needs_events = bool(set(wanted) - {"daily_sales_summary"})
    statements = [s for s in STAGE_STATEMENTS if needs_events or s is not STAGE_EVENTS]
    day_start, day_end = day_bounds(day)
    params: dict[str, object] = {"day": day, "day_start": day_start, "day_end": day_end}
    previous_tz = con.execute("SELECT current_setting('TimeZone')").fetchone()
    # Arrow timestamps carry the session zone, and dates of timestamptz are session dates.
    con.execute("SET TimeZone = 'UTC'")
    try:
        for statement in statements:
            con.execute(statement, _params_of(statement, params))
        result: dict[str, pa.Table] = {}
        for table in wanted:
            sql = GOLD_SQL[table]
            arrow = con.sql(sql, params=_params_of(sql, params)).to_arrow_table()
            result[table] = arrow.cast(gold_arrow_schema(table))
        return result
    finally:
        for name in STAGE_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        if previous_tz is not None:
            tz = str(previous_tz[0]).replace("'", "''")
            con.execute(f"SET TimeZone = '{tz}'")
