"""An independent reading of the data contract (``DATA_CONTRACT.md``) in plain DuckDB SQL.

The production gold jobs are PySpark; this module computes the same four gold tables from
the same silver rows with nothing but SQL, written from the contract text alone. End-to-end
tests compare the two readings, the benchmark compares their speed and the reconciliation
check uses this one as the reference.

``register_silver`` exposes the silver tables of one day to a DuckDB connection as the
relations ``silver_orders``, ``silver_order_items``, ``silver_events``, ``silver_customers``
and ``silver_products``; ``compute_gold`` turns them into the gold tables of that day.

Where the contract can be read more than one way, this module takes the most literal
reading:

1. **Current versions of facts are taken within the day.** "A gold run for day D reads only
   silver rows of day D", so the latest version among the day's rows wins, even if a later
   version of the same key lies on another day (its ``order_ts``/``event_ts`` changed).
   Dimensions are deduplicated over the whole table.
2. **Validity is judged on current versions only.** Superseded versions are neither valid
   nor rejected; they are simply ignored and never appear in ``rejected_rows``.
3. **Exact duplicates** (the same row delivered twice, same ``ingested_at``) collapse to one
   row; which copy is kept does not matter because they are identical. The contract rules
   out two *different* versions with one ``ingested_at``, so that case is not handled.
4. **orphan_item** means no valid current order with the ``order_id`` among the day's
   orders. The item's own ``order_ts`` is not compared with the order's beyond both being
   on the day. An item of a rejected order is therefore an ``orphan_item``.
5. **Items of cancelled orders** are valid (their order is a valid current order) but count
   in no metric, since every item metric is over counted orders. **Returned orders are
   counted orders**: the contract only excludes ``cancelled``, so their revenue counts.
6. **bad_discount** "(null means 0)" is read as: a null ``discount_amount`` is 0, so it is
   never a ``bad_discount``. A discount equal to ``quantity * unit_price`` is valid.
   ``unit_price = 0`` is valid (only ``< 0`` is bad).
7. **Product events** are only the three product event types. A ``page_view``, ``purchase``
   etc. that happens to carry a ``product_id`` does not make that product active and counts
   for no product metric; a null ``product_id`` on them is not a rejection.
8. **Anonymous events** (null ``customer_id``) are validated like any other (and may be
   rejected), count for product metrics, and count for no customer.
9. **A customer with only cancelled orders** is active (any valid order counts for activity)
   with ``orders = 0``; its cancelled orders' ``order_ts`` count for first/last activity.
10. **Unknown ids.** A customer absent from the dimension still counts in
    ``daily_sales_summary.customers`` and gets a row with null ``segment``/``country`` and
    ``is_new_customer = false`` (also false when ``signup_ts`` is null). A product absent
    from the dimension gets ``category = 'unknown'`` and ``brand = null``; a known product
    with a null brand keeps a null brand.
11. **top_category** competes with ``'unknown'`` like any other category; "alphabetically
    first" is binary (code point) order, so it is case sensitive. When there are items but
    all of them have a net of 0, the top category is still the first one (not null): null is
    only for a day without such items.
12. **Half up** is Java's ``HALF_UP`` (ties away from zero). Line nets are never negative
    (that is ``bad_discount``), so only non-negative averages occur.
13. **revenue_rank** ranks every active product of the day, including products with only
    events (net 0), which come last in ``product_id`` order.
14. **Rates** are ``orders / views`` as doubles even when above 1 (orders without views).
15. **Product orders** are distinct orders: two lines of one product in one order count 1.
16. **Dimensions are not validated**: the contract has no rules for them.
17. **Row order** of the returned tables is the grain key order (``rejected_rows`` by
    source table then reason); the contract gives no order, comparisons should not rely
    on one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final, Literal

from goldpipe import contract as c
from goldpipe.dates import day_bounds
from goldpipe.errors import SilverContractError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from pyiceberg.catalog import Catalog
    from pyiceberg.table import DataScan, FileScanTask, Table

ReadMethod = Literal["read_parquet", "arrow"]

# Relation names compute_gold reads, by silver table name.
SILVER_RELATIONS: Final[dict[str, str]] = {name: f"silver_{name}" for name in c.SILVER_TABLES}
# The fact tables and the timestamp that gives their business day.
FACT_TIME_COLUMNS: Final[dict[str, str]] = {
    "orders": "order_ts",
    "order_items": "order_ts",
    "events": "event_ts",
}

_DUCKDB_TYPES: Final[dict[str, str]] = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamptz": "TIMESTAMPTZ",
}


def duckdb_type(contract_type: str) -> str:
    """The DuckDB type of a contract type name (``decimal(p,s)`` is spelled the same)."""
    if contract_type.startswith("decimal("):
        return contract_type.upper()
    return _DUCKDB_TYPES[contract_type]


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


_STATUSES = _sql_list(c.ORDER_STATUSES)
_EVENT_TYPES = _sql_list(c.EVENT_TYPES)
_PRODUCT_EVENT_TYPES = _sql_list(c.PRODUCT_EVENT_TYPES)
_UNKNOWN = _sql_list([c.UNKNOWN_CATEGORY])

# ---------------------------------------------------------------------------------------
# Staging: the day's current versions, each with its rejection reason (null when valid).
# They are materialised once because every gold table reads them, and the silver relations
# may be lazy views over files. Parameters: $day_start, $day_end (UTC instants).
# The day is selected with a half-open instant range rather than a date cast so that the
# result cannot depend on the session time zone.
# ---------------------------------------------------------------------------------------

_STAGE_ORDERS: Final = f"""
CREATE OR REPLACE TEMP TABLE _gp_orders AS
WITH day_rows AS (
    SELECT order_id, customer_id, order_ts, status, ingested_at
    FROM silver_orders
    WHERE order_ts >= $day_start AND order_ts < $day_end
),
current_rows AS (
    SELECT * FROM day_rows
    QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY ingested_at DESC) = 1
)
SELECT
    order_id, customer_id, order_ts, status,
    -- CASE picks the first matching branch: the contract's first-reason-wins order.
    CASE
        WHEN customer_id IS NULL THEN 'missing_customer'
        WHEN status IS NULL OR status NOT IN ({_STATUSES}) THEN 'bad_status'
    END AS reject_reason
FROM current_rows
"""

_STAGE_ORDER_ITEMS: Final = """
CREATE OR REPLACE TEMP TABLE _gp_order_items AS
WITH day_rows AS (
    SELECT order_id, line_number, product_id, quantity, unit_price, discount_amount, order_ts, ingested_at
    FROM silver_order_items
    WHERE order_ts >= $day_start AND order_ts < $day_end
),
current_rows AS (
    SELECT * FROM day_rows
    QUALIFY row_number() OVER (PARTITION BY order_id, line_number ORDER BY ingested_at DESC) = 1
),
valid_orders AS (
    SELECT order_id, customer_id, status FROM _gp_orders WHERE reject_reason IS NULL
),
checked AS (
    SELECT
        i.order_id, i.line_number, i.product_id, i.quantity, i.unit_price, i.discount_amount,
        o.customer_id, o.status AS order_status,
        CASE
            WHEN o.order_id IS NULL THEN 'orphan_item'
            WHEN i.product_id IS NULL THEN 'missing_product'
            WHEN i.quantity IS NULL OR i.quantity <= 0 THEN 'bad_quantity'
            WHEN i.unit_price IS NULL OR i.unit_price < 0 THEN 'bad_price'
            WHEN coalesce(i.discount_amount, 0) < 0
                OR coalesce(i.discount_amount, 0) > i.quantity * i.unit_price THEN 'bad_discount'
        END AS reject_reason
    FROM current_rows AS i
    LEFT JOIN valid_orders AS o USING (order_id)
)
SELECT
    checked.*,
    -- Decimal products and sums are exact in DuckDB; only division would go through double.
    quantity * unit_price AS line_gross,
    coalesce(discount_amount, 0) AS line_discount,
    quantity * unit_price - coalesce(discount_amount, 0) AS line_net,
    reject_reason IS NULL AND order_status <> 'cancelled' AS counted
FROM checked
"""

_STAGE_EVENTS: Final = f"""
CREATE OR REPLACE TEMP TABLE _gp_events AS
WITH day_rows AS (
    SELECT event_id, session_id, customer_id, event_type, product_id, event_ts, ingested_at
    FROM silver_events
    WHERE event_ts >= $day_start AND event_ts < $day_end
),
current_rows AS (
    SELECT * FROM day_rows
    QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ingested_at DESC) = 1
)
SELECT
    event_id, session_id, customer_id, event_type, product_id, event_ts,
    CASE
        WHEN event_type IS NULL OR event_type NOT IN ({_EVENT_TYPES}) THEN 'bad_event_type'
        WHEN event_type IN ({_PRODUCT_EVENT_TYPES}) AND product_id IS NULL THEN 'missing_product'
    END AS reject_reason
FROM current_rows
"""

# Dimension attributes come from the current version whatever its ingested_at, so the
# whole table is deduplicated, not only rows ingested up to the day.
_STAGE_CUSTOMERS: Final = """
CREATE OR REPLACE TEMP TABLE _gp_customers AS
SELECT customer_id, country, segment, signup_ts
FROM silver_customers
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY ingested_at DESC) = 1
"""

_STAGE_PRODUCTS: Final = """
CREATE OR REPLACE TEMP TABLE _gp_products AS
SELECT product_id, category, brand
FROM silver_products
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY ingested_at DESC) = 1
"""

_STAGE_TABLES: Final = ("_gp_orders", "_gp_order_items", "_gp_events", "_gp_customers", "_gp_products")
# Order matters: order items are checked against the staged orders.
_STAGE_STATEMENTS: Final = (
    _STAGE_ORDERS,
    _STAGE_ORDER_ITEMS,
    _STAGE_EVENTS,
    _STAGE_CUSTOMERS,
    _STAGE_PRODUCTS,
)

# Valid items of counted orders, with their category under the 'unknown' rule. Every item
# metric of the contract is over exactly these rows.
_COUNTED_ITEMS_CTE: Final = f"""
counted_items AS (
    SELECT i.*, coalesce(p.category, {_UNKNOWN}) AS category
    FROM _gp_order_items AS i
    LEFT JOIN _gp_products AS p USING (product_id)
    WHERE i.counted
)"""

# ---------------------------------------------------------------------------------------
# Gold queries. Parameters: $day (DATE), $day_start, $day_end (UTC instants).
# ---------------------------------------------------------------------------------------

DAILY_SALES_SUMMARY_SQL: Final = f"""
WITH {_COUNTED_ITEMS_CTE},
order_totals AS (
    -- An aggregate without GROUP BY yields one row even on a day without orders.
    SELECT
        count(*) FILTER (WHERE status <> 'cancelled') AS orders,
        count(*) FILTER (WHERE status = 'cancelled') AS cancelled_orders,
        count(DISTINCT customer_id) FILTER (WHERE status <> 'cancelled') AS customers
    FROM _gp_orders
    WHERE reject_reason IS NULL
),
item_totals AS (
    SELECT
        coalesce(sum(quantity), 0) AS units_sold,
        coalesce(sum(line_gross), 0) AS gross_revenue,
        coalesce(sum(line_discount), 0) AS discount_total
    FROM counted_items
),
category_revenue AS (
    SELECT category, sum(line_net) AS net_revenue
    FROM counted_items
    GROUP BY category
),
top_category AS (
    SELECT category FROM category_revenue ORDER BY net_revenue DESC, category ASC LIMIT 1
),
totals AS (
    SELECT
        o.orders, o.cancelled_orders, o.customers,
        i.units_sold, i.gross_revenue, i.discount_total,
        i.gross_revenue - i.discount_total AS net_revenue,
        -- Exact integer cents: DuckDB divides decimals in double, which can round a
        -- half-cent the wrong way.
        CAST((i.gross_revenue - i.discount_total) * 100 AS HUGEINT) AS net_cents
    FROM order_totals AS o CROSS JOIN item_totals AS i
)
SELECT
    $day::DATE AS event_date,
    CAST(orders AS BIGINT) AS orders,
    CAST(cancelled_orders AS BIGINT) AS cancelled_orders,
    CAST(customers AS BIGINT) AS customers,
    CAST(units_sold AS BIGINT) AS units_sold,
    CAST(gross_revenue AS DECIMAL(18,2)) AS gross_revenue,
    CAST(discount_total AS DECIMAL(18,2)) AS discount_total,
    CAST(net_revenue AS DECIMAL(18,2)) AS net_revenue,
    -- net_cents >= 0 (line nets are never negative), so floor(x + 1/2) is HALF_UP;
    -- the integer-division form of it is floor((2n + d) / 2d). Multiplying by 0.01 keeps
    -- the conversion back to a decimal exact.
    CASE WHEN orders > 0 THEN
        CAST(CAST((2 * net_cents + orders) // (2 * orders) AS DECIMAL(18,0)) * 0.01 AS DECIMAL(18,2))
    END AS avg_order_value,
    (SELECT category FROM top_category) AS top_category
FROM totals
"""

DAILY_CUSTOMER_ANALYTICS_SQL: Final = f"""
WITH {_COUNTED_ITEMS_CTE},
customer_events AS (
    -- Anonymous visitors are not customers.
    SELECT
        customer_id,
        count(DISTINCT session_id) AS sessions,
        count(*) AS events,
        count(*) FILTER (WHERE event_type = 'product_view') AS product_views,
        count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_carts,
        min(event_ts) AS first_ts,
        max(event_ts) AS last_ts
    FROM _gp_events
    WHERE reject_reason IS NULL AND customer_id IS NOT NULL
    GROUP BY customer_id
),
customer_orders AS (
    -- Any valid order (cancelled too) makes its customer active and is activity.
    SELECT
        customer_id,
        count(*) FILTER (WHERE status <> 'cancelled') AS orders,
        min(order_ts) AS first_ts,
        max(order_ts) AS last_ts
    FROM _gp_orders
    WHERE reject_reason IS NULL
    GROUP BY customer_id
),
customer_items AS (
    SELECT customer_id, sum(quantity) AS units, sum(line_net) AS net_revenue
    FROM counted_items
    GROUP BY customer_id
),
active AS (
    SELECT customer_id FROM customer_events
    UNION
    SELECT customer_id FROM customer_orders
)
SELECT
    $day::DATE AS event_date,
    a.customer_id,
    d.segment,
    d.country,
    CAST(coalesce(e.sessions, 0) AS BIGINT) AS sessions,
    CAST(coalesce(e.events, 0) AS BIGINT) AS events,
    CAST(coalesce(e.product_views, 0) AS BIGINT) AS product_views,
    CAST(coalesce(e.add_to_carts, 0) AS BIGINT) AS add_to_carts,
    CAST(coalesce(o.orders, 0) AS BIGINT) AS orders,
    CAST(coalesce(i.units, 0) AS BIGINT) AS units,
    CAST(coalesce(i.net_revenue, 0) AS DECIMAL(18,2)) AS net_revenue,
    -- DuckDB's least/greatest skip NULLs: a customer may have only events or only orders.
    least(e.first_ts, o.first_ts) AS first_activity_ts,
    greatest(e.last_ts, o.last_ts) AS last_activity_ts,
    coalesce(d.signup_ts >= $day_start AND d.signup_ts < $day_end, false) AS is_new_customer
FROM active AS a
LEFT JOIN customer_events AS e USING (customer_id)
LEFT JOIN customer_orders AS o USING (customer_id)
LEFT JOIN customer_items AS i USING (customer_id)
LEFT JOIN _gp_customers AS d USING (customer_id)
ORDER BY a.customer_id
"""

PRODUCT_PERFORMANCE_ANALYTICS_SQL: Final = f"""
WITH {_COUNTED_ITEMS_CTE},
product_events AS (
    SELECT
        product_id,
        count(*) FILTER (WHERE event_type = 'product_view') AS views,
        count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_carts,
        count(*) FILTER (WHERE event_type = 'remove_from_cart') AS remove_from_carts
    FROM _gp_events
    -- Only the product event types carry a product; a product_id elsewhere is ignored.
    WHERE reject_reason IS NULL AND event_type IN ({_PRODUCT_EVENT_TYPES})
    GROUP BY product_id
),
product_sales AS (
    SELECT
        product_id,
        count(DISTINCT order_id) AS orders,
        sum(quantity) AS units_sold,
        sum(line_net) AS net_revenue
    FROM counted_items
    GROUP BY product_id
),
active AS (
    SELECT product_id FROM product_events
    UNION
    SELECT product_id FROM product_sales
),
metrics AS (
    SELECT
        a.product_id,
        coalesce(d.category, {_UNKNOWN}) AS category,
        d.brand,
        CAST(coalesce(e.views, 0) AS BIGINT) AS views,
        CAST(coalesce(e.add_to_carts, 0) AS BIGINT) AS add_to_carts,
        CAST(coalesce(e.remove_from_carts, 0) AS BIGINT) AS remove_from_carts,
        CAST(coalesce(s.orders, 0) AS BIGINT) AS orders,
        CAST(coalesce(s.units_sold, 0) AS BIGINT) AS units_sold,
        CAST(coalesce(s.net_revenue, 0) AS DECIMAL(18,2)) AS net_revenue
    FROM active AS a
    LEFT JOIN product_events AS e USING (product_id)
    LEFT JOIN product_sales AS s USING (product_id)
    LEFT JOIN _gp_products AS d USING (product_id)
)
SELECT
    $day::DATE AS event_date,
    product_id, category, brand, views, add_to_carts, remove_from_carts, orders, units_sold, net_revenue,
    CASE WHEN views > 0 THEN CAST(orders AS DOUBLE) / CAST(views AS DOUBLE) END AS view_to_order_rate,
    CASE WHEN add_to_carts > 0 THEN CAST(orders AS DOUBLE) / CAST(add_to_carts AS DOUBLE) END
        AS cart_to_order_rate,
    -- row_number, not rank: ranks are unique, ties broken by product_id.
    CAST(row_number() OVER (ORDER BY net_revenue DESC, product_id ASC) AS INTEGER) AS revenue_rank
FROM metrics
ORDER BY product_id
"""

REJECTED_ROWS_SQL: Final = """
WITH rejections AS (
    SELECT 'orders' AS source_table, reject_reason FROM _gp_orders WHERE reject_reason IS NOT NULL
    UNION ALL
    SELECT 'order_items', reject_reason FROM _gp_order_items WHERE reject_reason IS NOT NULL
    UNION ALL
    SELECT 'events', reject_reason FROM _gp_events WHERE reject_reason IS NOT NULL
)
-- GROUP BY only produces reasons that occurred, so every count is > 0.
SELECT
    $day::DATE AS event_date,
    source_table,
    reject_reason AS reason,
    CAST(count(*) AS BIGINT) AS rejected_count
FROM rejections
GROUP BY source_table, reject_reason
ORDER BY source_table, reason
"""

GOLD_SQL: Final[dict[str, str]] = {
    c.DAILY_SALES_SUMMARY.name: DAILY_SALES_SUMMARY_SQL,
    c.DAILY_CUSTOMER_ANALYTICS.name: DAILY_CUSTOMER_ANALYTICS_SQL,
    c.PRODUCT_PERFORMANCE_ANALYTICS.name: PRODUCT_PERFORMANCE_ANALYTICS_SQL,
    c.REJECTED_ROWS.name: REJECTED_ROWS_SQL,
}

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
    statements = [s for s in _STAGE_STATEMENTS if needs_events or s is not _STAGE_EVENTS]
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
        for name in _STAGE_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")
        if previous_tz is not None:
            tz = str(previous_tz[0]).replace("'", "''")
            con.execute(f"SET TimeZone = '{tz}'")


# ---------------------------------------------------------------------------------------
# Reading silver from Iceberg.
# ---------------------------------------------------------------------------------------


def _contract_columns_present(table: Table, contract: c.TableContract) -> dict[str, int]:
    """Field id of each contract column in ``table``'s current schema, found by name, after
    checking that it exists with a type that casts to the contract's without loss."""
    from goldpipe.iceberg_schema import contract_type_of

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
    reads them eagerly with pyiceberg's ``to_arrow``; use it for object stores DuckDB has no
    credentials for, or for tables with a name mapping (files without field ids), which it
    is chosen for automatically.

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
        if not tasks:
            source_sql = _empty_select(contract)
        elif method == "arrow" or has_name_mapping:
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
