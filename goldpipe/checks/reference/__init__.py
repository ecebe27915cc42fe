"""An independent reading of the data contract (``docs/data-contract.md``) in plain DuckDB SQL.

The production gold jobs are PySpark; this package computes the same four gold tables from
the same silver rows with nothing but SQL, written from the contract text alone. End-to-end
tests compare the two readings, the benchmark compares their speed and the reconciliation
check uses this one as the reference.

``silver.register_silver`` exposes the silver tables of one day to a DuckDB connection as the
relations ``silver_orders``, ``silver_order_items``, ``silver_events``, ``silver_customers``
and ``silver_products``; ``gold.compute_gold`` turns them into the gold tables of that day.

Where the contract can be read more than one way, this package takes the most literal
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
