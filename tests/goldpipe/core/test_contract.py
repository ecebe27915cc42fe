from __future__ import annotations

import pytest

from goldpipe.core.contract import GOLD_TABLES, JOB_INPUTS, JOB_NAMES, SILVER_TABLES, parse_jobs


def test_jobs_parse_in_contract_order():
    assert parse_jobs("all") == JOB_NAMES
    assert parse_jobs("rejected_rows, daily_sales_summary") == ("daily_sales_summary", "rejected_rows")


def test_a_job_listed_twice_is_refused():
    with pytest.raises(ValueError, match="job 'rejected_rows' given more than once"):
        parse_jobs("rejected_rows, daily_sales_summary,rejected_rows")


@pytest.mark.parametrize("spec", ["", "daily_sales", "all,rejected_rows", " , "])
def test_unknown_jobs_list_the_valid_ones(spec):
    with pytest.raises(ValueError, match="valid jobs: daily_sales_summary, daily_customer_analytics"):
        parse_jobs(spec)


def test_every_job_has_a_gold_table_and_known_inputs():
    assert set(JOB_NAMES) == set(GOLD_TABLES) == set(JOB_INPUTS)
    for inputs in JOB_INPUTS.values():
        assert set(inputs) <= set(SILVER_TABLES)


def test_gold_tables_are_partitioned_by_event_date_with_computed_at():
    for table in GOLD_TABLES.values():
        assert table.partitioning == (("event_date", "identity"),)
        assert table.column("computed_at").required
        assert set(table.key) <= set(table.required_columns)


def test_job_inputs_are_each_table_once_facts_first():
    from goldpipe.core.contract import job_inputs

    assert job_inputs(("daily_sales_summary",)) == ("orders", "order_items", "products")
    assert job_inputs(("rejected_rows", "daily_customer_analytics", "daily_sales_summary")) == (
        "orders",
        "order_items",
        "events",
        "customers",
        "products",
    )


def test_facts_are_the_day_partitioned_silver_tables_and_dimensions_the_rest():
    from goldpipe.core.contract import DIMENSION_TABLES, FACT_TABLES, SILVER_TABLES

    assert {t for t, c in SILVER_TABLES.items() if c.partitioning} == set(FACT_TABLES)
    assert set(SILVER_TABLES) - set(FACT_TABLES) == set(DIMENSION_TABLES)


def test_reading_order_newest_day_first_then_the_key() -> None:
    """Issue 21, finding 3: `show` no longer decides how rows are ordered; the contract does."""
    from goldpipe.core.contract import reading_order

    customers = GOLD_TABLES["daily_customer_analytics"]
    assert reading_order(customers) == (("event_date", "descending"), ("customer_id", "ascending"))
    assert reading_order(GOLD_TABLES["daily_sales_summary"]) == (("event_date", "descending"),)
    assert reading_order(SILVER_TABLES["orders"]) == ()
