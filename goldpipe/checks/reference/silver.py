"""``register_silver``: one day of the silver Iceberg tables as DuckDB relations, pruned and typed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from goldpipe.checks.reference.queries import FACT_TIME_COLUMNS, SILVER_RELATIONS, duckdb_type
from goldpipe.core import contract as c
from goldpipe.core.dates import day_bounds
from goldpipe.core.errors import SilverContractError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import DataScan, FileScanTask, Table

ReadMethod = Literal["read_parquet", "arrow"]


def _contract_columns_present(table: Table, contract: c.TableContract) -> dict[str, int]:
    """Field id of each contract column in ``table``'s current schema, found by name, after
    checking that it exists with a type that casts to the contract's without loss."""
    from goldpipe.lakehouse.schema import contract_type_of

    schema = table.schema()
    ids: dict[str, int] = {}
    missing, mistyped = [], []
    for column in contract.columns:
        try:
            field = schema.find_field(column.name)
        except ValueError:
            missing.append(column.name)
            continue
        actual = contract_type_of(field.field_type)
        if not _castable(actual, column.type):
            mistyped.append(f"column {column.name!r} has type {actual}, the contract requires {column.type}")
        ids[column.name] = field.field_id
    if missing:
        raise SilverContractError(
            f"silver table {contract.identifier} lacks contract column(s): {', '.join(missing)}"
        )
    if mistyped:
        raise SilverContractError(f"silver table {contract.identifier}: {'; '.join(mistyped)}")
    return ids


def _castable(actual: str, wanted: str) -> bool:
    """The silver types the Spark jobs accept too (``spark_apps.silver``): the contract's own, a
    narrower integer, a decimal of the same scale."""
    if actual == wanted:
        return True
    if wanted == "long":
        return actual == "int"
    if wanted.startswith("decimal(") and actual.startswith("decimal("):
        return actual.rsplit(",", 1)[1] == wanted.rsplit(",", 1)[1]
    return False


def _row_filter(column: str | None, day: dt.date) -> str:
    """The day's rows as a filter on ``column`` (everything when ``column`` is None).

    The same text is an Iceberg row filter (pyiceberg turns an ISO string with an offset into
    a timestamptz literal when binding) and a DuckDB predicate on a timestamptz column.
    """
    if column is None:
        return "true"
    start, end = day_bounds(day)
    return f"{column} >= '{start.isoformat()}' AND {column} < '{end.isoformat()}'"


def _typed_select(contract: c.TableContract, source: str, where: str) -> str:
    """Contract columns by name, cast to the contract types (another writer may differ)."""
    columns = ", ".join(
        f"CAST({col.name} AS {duckdb_type(col.type)}) AS {col.name}" for col in contract.columns
    )
    return f"SELECT {columns} FROM {source} WHERE {where}"


def _empty_select(contract: c.TableContract) -> str:
    columns = ", ".join(f"CAST(NULL AS {duckdb_type(col.type)}) AS {col.name}" for col in contract.columns)
    return f"SELECT {columns} WHERE false"


def _plan(table: Table, contract: c.TableContract, row_filter: str) -> tuple[DataScan, list[FileScanTask]]:
    """Plan the scan once; both read methods use the same pruned file list."""
    from pyiceberg.manifest import FileFormat

    scan = table.scan(row_filter=row_filter, selected_fields=contract.column_names)
    tasks = list(scan.plan_files())
    for task in tasks:
        # Silver is append-only; deletes would have to be applied and read_parquet cannot.
        if task.delete_files:
            raise SilverContractError(
                f"silver table {contract.identifier} has delete files for {task.file.file_path}; "
                "silver must be append-only (no row-level deletes or updates)"
            )
        if task.file.file_format != FileFormat.PARQUET:
            raise SilverContractError(
                f"silver table {contract.identifier}: data file {task.file.file_path} is "
                f"{task.file.file_format}, only Parquet is supported"
            )
    return scan, tasks


def _to_arrow(table: Table, scan: DataScan, tasks: list[FileScanTask]) -> pa.Table:
    from pyiceberg.io.pyarrow import ArrowScan

    return ArrowScan(table.metadata, table.io, scan.projection(), scan.row_filter).to_table(tasks)


def _read_parquet_source(paths: list[str], contract: c.TableContract, field_ids: dict[str, int]) -> str:
    """A ``read_parquet`` over ``paths`` that maps columns by Iceberg field id.

    Field ids, not Parquet column names, identify Iceberg columns: a column renamed after a
    file was written keeps its id, and a column added later is absent from old files (null).
    """
    entries = ", ".join(
        f"{field_ids[col.name]}: {{name: '{col.name}', type: '{duckdb_type(col.type)}', default_value: NULL}}"
        for col in contract.columns
    )
    files = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    # hive_partitioning off: Iceberg's partition directories must not become columns.
    return f"read_parquet([{files}], schema = MAP {{{entries}}}, hive_partitioning = false)"


def register_silver(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    day: dt.date,
    *,
    method: ReadMethod = "read_parquet",
) -> dict[str, int]:
    """Register the ``silver_*`` relations ``compute_gold`` reads, for ``day``.

    Fact tables are planned with a row filter on the day's ``[00:00, next 00:00)`` UTC range,
    so Iceberg prunes other days' partitions and files: only the day's data files are read,
    and only the day's rows of them are registered. Dimensions are read whole. Only contract
    columns are selected, by name, and cast to the contract types.

    ``method="read_parquet"`` creates views over DuckDB's ``read_parquet`` of the planned
    files (lazy; files are read when ``compute_gold`` stages them). ``method="arrow"``
    reads them eagerly with pyiceberg's ``to_arrow``; it is chosen automatically for files on an
    object store (DuckDB has neither its endpoint nor its credentials) and for tables with a
    name mapping (files without field ids).

    Returns the number of data files planned per silver table.
    Raises ``SilverContractError`` for a missing table or column, delete files, or non-Parquet files.
    """
    from pyiceberg.exceptions import NoSuchTableError

    counts: dict[str, int] = {}
    for name, contract in c.SILVER_TABLES.items():
        relation = SILVER_RELATIONS[name]
        try:
            table = catalog.load_table(contract.identifier)
        except NoSuchTableError:
            raise SilverContractError(f"silver table {contract.identifier} does not exist") from None
        field_ids = _contract_columns_present(table, contract)
        row_filter = _row_filter(FACT_TIME_COLUMNS.get(name), day)
        scan, tasks = _plan(table, contract, row_filter)
        counts[name] = len(tasks)
        # Files of a table with a name mapping may lack field ids, which read_parquet's
        # id-based schema would silently read as nulls; pyiceberg applies the mapping.
        has_name_mapping = "schema.name-mapping.default" in table.properties
        # DuckDB reads local files itself; an object store is read through the table's own
        # FileIO, which has the catalog's endpoint and credentials (DuckDB's httpfs has neither).
        remote = any(not task.file.file_path.startswith(("file:", "/")) for task in tasks)
        if not tasks:
            source_sql = _empty_select(contract)
        elif method == "arrow" or has_name_mapping or remote:
            arrow_name = f"_gp_arrow_{name}"
            con.register(arrow_name, _to_arrow(table, scan, tasks))
            source_sql = _typed_select(contract, arrow_name, row_filter)
        else:
            paths = [task.file.file_path for task in tasks]
            # Pruning is per file: a file may still hold rows of other days (for instance in
            # an unpartitioned table), so the rows are filtered too.
            source = _read_parquet_source(paths, contract, field_ids)
            source_sql = _typed_select(contract, source, row_filter)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {relation} AS {source_sql}")
    return counts
