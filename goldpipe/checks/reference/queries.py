"""The reference's SQL: staging of the day's current silver rows, then one query per gold table.

Every query reads the ``silver_*`` relations of ``SILVER_RELATIONS``; how each contract rule is
read is listed in this package's docstring.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from goldpipe.core import contract as c

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

STAGE_ORDERS: Final = f"""
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

STAGE_ORDER_ITEMS: Final = """
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

STAGE_EVENTS: Final = f"""
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
STAGE_CUSTOMERS: Final = """
CREATE OR REPLACE TEMP TABLE _gp_customers AS
SELECT customer_id, country, segment, signup_ts
FROM silver_customers
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY ingested_at DESC) = 1
"""

STAGE_PRODUCTS: Final = """
CREATE OR REPLACE TEMP TABLE _gp_products AS
SELECT product_id, category, brand
FROM silver_products
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY ingested_at DESC) = 1
"""

STAGE_TABLES: Final = ("_gp_orders", "_gp_order_items", "_gp_events", "_gp_customers", "_gp_products")
# Order matters: order items are checked against the staged orders.
STAGE_STATEMENTS: Final = (
    STAGE_ORDERS,
    STAGE_ORDER_ITEMS,
    STAGE_EVENTS,
    STAGE_CUSTOMERS,
    STAGE_PRODUCTS,
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
