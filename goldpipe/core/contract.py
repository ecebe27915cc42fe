"""The silver/gold data contract (``docs/data-contract.md``) as data.

Everything that needs a table's shape (table creation, the seed generator, the Spark jobs'
input validation, the schema check) reads it from here, so the contract has one source.
Type names are Iceberg's primitive names; ``timestamptz`` is a timestamp with zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False


@dataclass(frozen=True)
class TableContract:
    namespace: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    # (source column, Iceberg transform) pairs; empty for an unpartitioned table.
    partitioning: tuple[tuple[str, str], ...] = ()

    @property
    def identifier(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(spec: str) -> Column:
    """``"name type"`` or ``"name type *"`` (``*`` marks a required column, as in the contract)."""
    parts = spec.split()
    return Column(parts[0], parts[1], required=len(parts) == 3 and parts[2] == "*")


def columns_of(*specs: str) -> tuple[Column, ...]:
    return tuple(_c(s) for s in specs)


SILVER_NAMESPACE: Final = "silver"
GOLD_NAMESPACE: Final = "gold"
# The audit's record of every check (goldpipe.checks.history); table maintenance also keeps it.
AUDIT_NAMESPACE: Final = "audit"
CHECK_RESULTS_NAME: Final = "check_results"

CUSTOMERS = TableContract(
    SILVER_NAMESPACE,
    "customers",
    columns_of(
        "customer_id string *",
        "email string",
        "country string",
        "segment string",
        "signup_ts timestamptz",
        "ingested_at timestamptz *",
    ),
    key=("customer_id",),
)
PRODUCTS = TableContract(
    SILVER_NAMESPACE,
    "products",
    columns_of(
        "product_id string *",
        "name string",
        "category string",
        "brand string",
        "list_price decimal(12,2)",
        "ingested_at timestamptz *",
    ),
    key=("product_id",),
)
ORDERS = TableContract(
    SILVER_NAMESPACE,
    "orders",
    columns_of(
        "order_id string *",
        "customer_id string",
        "order_ts timestamptz *",
        "status string",
        "channel string",
        "ingested_at timestamptz *",
    ),
    key=("order_id",),
    partitioning=(("order_ts", "day"),),
)
ORDER_ITEMS = TableContract(
    SILVER_NAMESPACE,
    "order_items",
    columns_of(
        "order_id string *",
        "line_number int *",
        "product_id string",
        "quantity int",
        "unit_price decimal(12,2)",
        "discount_amount decimal(12,2)",
        "order_ts timestamptz *",
        "ingested_at timestamptz *",
    ),
    key=("order_id", "line_number"),
    partitioning=(("order_ts", "day"),),
)
EVENTS = TableContract(
    SILVER_NAMESPACE,
    "events",
    columns_of(
        "event_id string *",
        "session_id string",
        "customer_id string",
        "event_type string",
        "product_id string",
        "event_ts timestamptz *",
        "device string",
        "ingested_at timestamptz *",
    ),
    key=("event_id",),
    partitioning=(("event_ts", "day"),),
)

SILVER_TABLES: Final[dict[str, TableContract]] = {
    t.name: t for t in (CUSTOMERS, PRODUCTS, ORDERS, ORDER_ITEMS, EVENTS)
}
# Facts are partitioned by the day of their timestamp and read a day at a time; dimensions are
# read whole (their current versions).
FACT_TABLES: Final = ("orders", "order_items", "events")
DIMENSION_TABLES: Final = ("customers", "products")

ORDER_STATUSES: Final = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
# A valid order of these statuses is activity but not a sale: it counts as neither an order nor
# revenue, units or a purchase (the rest of ORDER_STATUSES do).
UNCOUNTED_STATUSES: Final = ("cancelled",)
CHANNELS: Final = ("web", "app", "marketplace")
SEGMENTS: Final = ("consumer", "business", "vip")
EVENT_TYPES: Final = (
    "page_view",
    "product_view",
    "add_to_cart",
    "remove_from_cart",
    "checkout_start",
    "purchase",
)
PRODUCT_EVENT_TYPES: Final = ("product_view", "add_to_cart", "remove_from_cart")
UNKNOWN_CATEGORY: Final = "unknown"

# Rejection reasons per source table, in the order in which they are tried: a row is
# counted under the first that applies.
REJECTION_REASONS: Final[dict[str, tuple[str, ...]]] = {
    "orders": ("missing_customer", "bad_status"),
    "order_items": ("orphan_item", "missing_product", "bad_quantity", "bad_price", "bad_discount"),
    "events": ("bad_event_type", "missing_product"),
}

_GOLD_PARTITIONING = (("event_date", "identity"),)

DAILY_SALES_SUMMARY = TableContract(
    GOLD_NAMESPACE,
    "daily_sales_summary",
    columns_of(
        "event_date date *",
        "orders long *",
        "cancelled_orders long *",
        "customers long *",
        "units_sold long *",
        "gross_revenue decimal(18,2) *",
        "discount_total decimal(18,2) *",
        "net_revenue decimal(18,2) *",
        "avg_order_value decimal(18,2)",
        "top_category string",
        "computed_at timestamptz *",
    ),
    key=("event_date",),
    partitioning=_GOLD_PARTITIONING,
)
DAILY_CUSTOMER_ANALYTICS = TableContract(
    GOLD_NAMESPACE,
    "daily_customer_analytics",
    columns_of(
        "event_date date *",
        "customer_id string *",
        "segment string",
        "country string",
        "sessions long *",
        "events long *",
        "product_views long *",
        "add_to_carts long *",
        "orders long *",
        "units long *",
        "net_revenue decimal(18,2) *",
        "first_activity_ts timestamptz *",
        "last_activity_ts timestamptz *",
        "is_new_customer boolean *",
        "computed_at timestamptz *",
    ),
    key=("event_date", "customer_id"),
    partitioning=_GOLD_PARTITIONING,
)
PRODUCT_PERFORMANCE_ANALYTICS = TableContract(
    GOLD_NAMESPACE,
    "product_performance_analytics",
    columns_of(
        "event_date date *",
        "product_id string *",
        "category string *",
        "brand string",
        "views long *",
        "add_to_carts long *",
        "remove_from_carts long *",
        "orders long *",
        "units_sold long *",
        "net_revenue decimal(18,2) *",
        "view_to_order_rate double",
        "cart_to_order_rate double",
        "revenue_rank int *",
        "computed_at timestamptz *",
    ),
    key=("event_date", "product_id"),
    partitioning=_GOLD_PARTITIONING,
)
REJECTED_ROWS = TableContract(
    GOLD_NAMESPACE,
    "rejected_rows",
    columns_of(
        "event_date date *",
        "source_table string *",
        "reason string *",
        "rejected_count long *",
        "computed_at timestamptz *",
    ),
    key=("event_date", "source_table", "reason"),
    partitioning=_GOLD_PARTITIONING,
)

GOLD_TABLES: Final[dict[str, TableContract]] = {
    t.name: t
    for t in (DAILY_SALES_SUMMARY, DAILY_CUSTOMER_ANALYTICS, PRODUCT_PERFORMANCE_ANALYTICS, REJECTED_ROWS)
}

# A gold job writes the gold table of the same name.
JOB_NAMES: Final = tuple(GOLD_TABLES)

# The silver tables each job reads; a run reads the union for its jobs, once.
JOB_INPUTS: Final[dict[str, tuple[str, ...]]] = {
    "daily_sales_summary": ("orders", "order_items", "products"),
    "daily_customer_analytics": ("orders", "order_items", "events", "customers"),
    "product_performance_analytics": ("orders", "order_items", "events", "products"),
    "rejected_rows": ("orders", "order_items", "events"),
}


def job_inputs(jobs: tuple[str, ...]) -> tuple[str, ...]:
    """The silver tables ``jobs`` read, each once: the facts first, then the dimensions."""
    needed = {t for job in jobs for t in JOB_INPUTS[job]}
    return tuple(t for t in (*FACT_TABLES, *DIMENSION_TABLES) if t in needed)


def parse_jobs(spec: str) -> tuple[str, ...]:
    """``"all"`` or a comma-separated list of job names, in contract order.

    Raises ``ValueError`` naming the valid jobs for an unknown or empty list, or a job twice.
    """
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if names == ["all"]:
        return JOB_NAMES
    unknown = [n for n in names if n not in JOB_NAMES]
    if unknown or not names:
        what = f"unknown job {', '.join(map(repr, unknown))}" if unknown else "no job given"
        raise ValueError(f"{what}; valid jobs: {', '.join(JOB_NAMES)} (or 'all')")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"job {', '.join(map(repr, twice))} given more than once")
    return tuple(j for j in JOB_NAMES if j in names)


def reading_order(table: TableContract) -> tuple[tuple[str, str], ...]:
    """How a person reads a table's rows (``goldpipe show``): a gold table newest day first, then
    by its key; other tables as stored (empty: no order). Pairs of column and direction."""
    if table.namespace != GOLD_NAMESPACE:
        return ()
    return (("event_date", "descending"), *((k, "ascending") for k in table.key if k != "event_date"))
