"""A whole run through real Iceberg tables: branch, idempotency, failures, pruning, watermarks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from goldpipe.core.contract import GOLD_TABLES, JOB_NAMES
from goldpipe.core.dates import AUTO, AutoDays, DateSpec, parse_date_spec
from goldpipe.core.errors import SilverContractError
from goldpipe.core.names import BRANCH_CREATED_PREFIX, DATE_PROPERTY, RUN_PROPERTY, branch_name, tag_name
from goldpipe.lakehouse import gold_tables
from goldpipe.lakehouse.publish import publish_run
from spark_apps import gold
from spark_apps.pipeline import DATA_PHASE, RunReport, RunRequest, run
from tests.spark_apps.lake_rows import append_silver, create_empty_silver, gold_rows
from tests.spark_apps.silver_rows import money, ts

pytestmark = pytest.mark.spark

D1, D2, D3 = dt.date(2026, 11, 19), dt.date(2026, 11, 20), dt.date(2026, 11, 21)


def at(day: dt.date, clock: str) -> dt.datetime:
    return ts(f"{day.isoformat()}T{clock}")


def seed_small(catalog) -> None:
    """Two customers, three products, a little of everything on D1..D3."""
    create_empty_silver(catalog)
    append_silver(
        catalog,
        "customers",
        [
            {"customer_id": "c1", "segment": "vip", "country": "DE", "signup_ts": at(D2, "05:00:00")},
            {"customer_id": "c2", "segment": "consumer", "country": "FR"},
        ],
    )
    append_silver(
        catalog,
        "products",
        [
            {"product_id": "p1", "category": "toys", "brand": "acme"},
            {"product_id": "p2", "category": "books", "brand": "pulp"},
        ],
    )
    orders, items, events = [], [], []
    for day in (D1, D2, D3):
        n = day.day
        orders += [
            {"order_id": f"o{n}a", "customer_id": "c1", "status": "paid", "order_ts": at(day, "00:00:00")},
            {
                "order_id": f"o{n}b",
                "customer_id": "c2",
                "status": "cancelled",
                "order_ts": at(day, "12:00:00"),
            },
            {
                "order_id": f"o{n}c",
                "customer_id": None,
                "status": "paid",
                "order_ts": at(day, "23:59:59.999999"),
            },
        ]
        items += [
            {
                "order_id": f"o{n}a",
                "line_number": 1,
                "product_id": "p1",
                "quantity": 2,
                "unit_price": money("10.00"),
                "discount_amount": money("1.00"),
                "order_ts": at(day, "00:00:00"),
            },
            {
                "order_id": f"o{n}a",
                "line_number": 2,
                "product_id": "ghost",
                "quantity": 1,
                "unit_price": money("3.50"),
                "order_ts": at(day, "00:00:00"),
            },
            {
                "order_id": f"o{n}b",
                "line_number": 1,
                "product_id": "p2",
                "quantity": 1,
                "unit_price": money("8.00"),
                "order_ts": at(day, "12:00:00"),
            },
            {
                "order_id": f"o{n}c",
                "line_number": 1,
                "product_id": "p2",
                "quantity": 1,
                "unit_price": money("8.00"),
                "order_ts": at(day, "23:59:59.999999"),
            },
        ]
        events += [
            {
                "event_id": f"e{n}1",
                "customer_id": "c1",
                "session_id": "s1",
                "event_type": "product_view",
                "product_id": "p1",
                "event_ts": at(day, "00:00:00"),
            },
            {
                "event_id": f"e{n}2",
                "customer_id": None,
                "session_id": "s9",
                "event_type": "add_to_cart",
                "product_id": "p2",
                "event_ts": at(day, "23:59:59.999999"),
            },
            {
                "event_id": f"e{n}3",
                "customer_id": "c2",
                "session_id": "s2",
                "event_type": "wiggle",
                "event_ts": at(day, "08:00:00"),
            },
        ]
    append_silver(catalog, "orders", orders)
    append_silver(catalog, "order_items", items)
    append_silver(catalog, "events", events)


def request(lake, dates: DateSpec | str, **kwargs) -> RunRequest:
    spec = parse_date_spec(dates) if isinstance(dates, str) else dates
    return RunRequest(
        jobs=kwargs.pop("jobs", JOB_NAMES),
        dates=spec,
        run_id=kwargs.pop("run_id", "t1"),
        catalog=lake.name,
        **kwargs,
    )


def run_published(spark, lake, req: RunRequest) -> RunReport:
    """A run as the controller finishes it: Spark writes the audit branch, then it is published."""
    report = run(spark, req, progress=lambda _: None)
    publish_run(lake.pyiceberg(), req.jobs, req.run_id)
    return report


def without_computed_at(rows):
    return [{k: v for k, v in r.items() if k != "computed_at"} for r in rows]


def test_a_published_run_fills_every_table_and_drops_its_branch(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    report = run_published(spark, lakehouse, request(lakehouse, D2.isoformat()))
    assert report.days == (D2,)

    [summary] = gold_rows(catalog, "daily_sales_summary")
    assert summary["event_date"] == D2
    assert (summary["orders"], summary["cancelled_orders"], summary["units_sold"]) == (1, 1, 3)
    assert summary["net_revenue"] == Decimal("22.50")
    assert summary["top_category"] == "toys"
    customers = {r["customer_id"]: r for r in gold_rows(catalog, "daily_customer_analytics")}
    assert set(customers) == {"c1", "c2"}
    assert customers["c1"]["is_new_customer"] is True
    products = {
        r["product_id"]: r["revenue_rank"] for r in gold_rows(catalog, "product_performance_analytics")
    }
    assert products == {"p1": 1, "ghost": 2, "p2": 3}
    rejected = {
        (r["source_table"], r["reason"]): r["rejected_count"] for r in gold_rows(catalog, "rejected_rows")
    }
    assert rejected == {
        ("orders", "missing_customer"): 1,
        ("order_items", "orphan_item"): 1,
        ("events", "bad_event_type"): 1,
    }
    for table in JOB_NAMES:
        refs = catalog.load_table(f"gold.{table}").metadata.refs
        assert set(refs) == {"main", tag_name("t1")}, table  # the branch is gone, the run tagged
        # ... and so is the property dating its cut: publish removes it in the same commit.
        properties = catalog.load_table(f"gold.{table}").properties
        assert [k for k in properties if k.startswith(BRANCH_CREATED_PREFIX)] == [], table
    assert report.jobs["daily_sales_summary"].rows_written == 1
    assert report.jobs["rejected_rows"].rows_written == 3
    assert report.jobs["daily_sales_summary"].rejected_rows == 2  # orders + order_items
    # Where the time went (run-local --timings, the benchmarks): every phase of the run, timed.
    phases = {
        "silver contract check",
        "branches (cut from main)",
        DATA_PHASE,
    }
    assert phases | {f"job {job}" for job in JOB_NAMES} <= set(report.phases)
    assert all(seconds >= 0 for seconds in report.phases.values())


def test_midnight_rows_belong_to_their_utc_day(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat()))
    customers = {r["customer_id"]: r for r in gold_rows(catalog, "daily_customer_analytics")}
    # 00:00:00 of D2 is D2's first instant; D1's 23:59:59.999999 and D3's 00:00 are not D2's.
    assert customers["c1"]["first_activity_ts"] == at(D2, "00:00:00")
    assert customers["c1"]["last_activity_ts"] == at(D2, "00:00:00")
    products = {r["product_id"]: r for r in gold_rows(catalog, "product_performance_analytics")}
    assert products["p2"]["add_to_carts"] == 1  # the 23:59:59.999999 event of D2 only


def test_rerun_replaces_only_its_day_with_the_same_rows(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    run_published(spark, lakehouse, request(lakehouse, f"{D1}..{D2}", run_id="first"))
    before = {t: gold_rows(catalog, t) for t in JOB_NAMES}
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat(), run_id="again"))
    after = {t: gold_rows(catalog, t) for t in JOB_NAMES}
    for table in JOB_NAMES:
        # Same rows for D2, and D1's rows untouched down to their computed_at.
        assert without_computed_at(after[table]) == without_computed_at(before[table]), table
        d1_before = [r for r in before[table] if r["event_date"] == D1]
        d1_after = [r for r in after[table] if r["event_date"] == D1]
        assert d1_after == d1_before and d1_before, table
        d2_after = [r for r in after[table] if r["event_date"] == D2]
        d2_before = [r for r in before[table] if r["event_date"] == D2]
        assert {r["computed_at"] for r in d2_after}.isdisjoint({r["computed_at"] for r in d2_before}), table


def test_a_run_commits_all_its_days_to_each_table_at_once(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    run_published(spark, lakehouse, request(lakehouse, f"{D1}..{D3}", run_id="whole"))
    for table in JOB_NAMES:
        loaded = catalog.load_table(f"gold.{table}")
        ours = [s for s in loaded.snapshots() if s.summary.get(RUN_PROPERTY) == "whole"]
        # One commit of the three days (and nothing else of the run on the table).
        assert [s.summary[DATE_PROPERTY] for s in ours] == [f"{D1},{D2},{D3}"], table
        # What the audit, the checks and the publish rebase read per commit sees every day of it.
        assert gold_tables.run_days(loaded, tag_name("whole"), "whole") == {D1, D2, D3}, table
        assert gold_tables.committed(loaded, "main", D2, "whole"), table
    assert {r["event_date"] for r in gold_rows(catalog, "daily_sales_summary")} == {D1, D2, D3}
    assert gold.watermark(spark, lakehouse.name, "rejected_rows") == D3


def test_rerun_removes_rows_that_no_longer_exist(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat(), run_id="first"))
    # Later versions fix every rejected row of D2: its rejected_rows partition must become empty.
    append_silver(
        catalog,
        "orders",
        [
            {
                "order_id": "o20c",
                "customer_id": "c2",
                "status": "paid",
                "order_ts": at(D2, "23:59:59.999999"),
                "ingested_at": at(D3, "09:00:00"),
            }
        ],
    )
    append_silver(
        catalog,
        "events",
        [
            {
                "event_id": "e203",
                "customer_id": "c2",
                "session_id": "s2",
                "event_type": "page_view",
                "event_ts": at(D2, "08:00:00"),
                "ingested_at": at(D3, "09:00:00"),
            }
        ],
    )
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat(), run_id="second"))
    assert gold_rows(catalog, "rejected_rows") == []
    [summary] = gold_rows(catalog, "daily_sales_summary")
    assert summary["orders"] == 2


def test_other_days_files_are_never_opened(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    # Delete D1's and D3's data files from disk: reading them would fail, pruning never opens them.
    for name in ("orders", "order_items", "events"):
        for task in catalog.load_table(f"silver.{name}").scan().plan_files():
            if at(D2, "00:00:00").date().isoformat() not in task.file.file_path:
                Path(task.file.file_path.removeprefix("file:")).unlink()
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat()))
    assert len(gold_rows(catalog, "daily_sales_summary")) == 1
    with pytest.raises(Exception, match=r"(?i)not.*(exist|found)|FileNotFound"):
        run(spark, request(lakehouse, D1.isoformat(), run_id="t2"), progress=lambda _: None)


def test_missing_silver_table_fails_before_gold_exists(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    create_empty_silver(catalog, ("orders", "order_items", "products", "customers"))
    with pytest.raises(SilverContractError, match=r"silver\.events does not exist"):
        run(spark, request(lakehouse, D2.isoformat()), progress=lambda _: None)
    assert not catalog.table_exists("gold.daily_sales_summary")
    # The sales job alone does not need events.
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat(), jobs=("daily_sales_summary",)))
    assert len(gold_rows(catalog, "daily_sales_summary")) == 1


def test_missing_or_mistyped_silver_column_is_named(spark, lakehouse):
    import pyarrow as pa  # noqa: F401
    from pyiceberg.schema import Schema
    from pyiceberg.types import IntegerType, NestedField, StringType, TimestampType, TimestamptzType

    catalog = lakehouse.pyiceberg()
    create_empty_silver(catalog, ("order_items", "products", "customers", "events"))
    catalog.create_table(
        "silver.orders",
        Schema(
            NestedField(1, "order_id", StringType(), required=True),
            NestedField(2, "order_ts", TimestampType(), required=True),  # no zone: wrong
            NestedField(3, "status", IntegerType()),
            NestedField(4, "ingested_at", TimestamptzType(), required=True),
        ),
    )
    with pytest.raises(SilverContractError) as info:
        run(spark, request(lakehouse, D2.isoformat()), progress=lambda _: None)
    message = str(info.value)
    assert "'customer_id' is missing" in message
    assert "'channel' is missing" in message
    assert "'order_ts' has type timestamp_ntz" in message
    assert "'status' has type int" in message


def test_silver_from_another_writer_with_other_field_ids_and_extra_columns(spark, lakehouse):
    """pyiceberg-created silver with reordered fields, other ids, extra columns, no partitioning."""
    import pyarrow as pa
    from pyiceberg.schema import Schema
    from pyiceberg.types import (
        DecimalType,
        IntegerType,
        LongType,
        NestedField,
        StringType,
        TimestamptzType,
    )

    catalog = lakehouse.pyiceberg()
    create_empty_silver(catalog, ("orders", "events", "customers", "products"))
    schema = Schema(
        NestedField(50, "source_system", StringType()),
        NestedField(41, "ingested_at", TimestamptzType(), required=True),
        NestedField(42, "order_ts", TimestamptzType(), required=True),
        NestedField(43, "discount_amount", DecimalType(10, 2)),
        NestedField(44, "unit_price", DecimalType(12, 2)),
        NestedField(45, "quantity", IntegerType()),
        NestedField(46, "product_id", StringType()),
        NestedField(47, "line_number", IntegerType(), required=True),
        NestedField(48, "order_id", StringType(), required=True),
        NestedField(49, "extra_counter", LongType()),
    )
    # pyiceberg assigns fresh ids in this order: order_id gets id 9 instead of the contract's 1.
    items = catalog.create_table("silver.order_items", schema)
    assert items.schema().find_field("order_id").field_id == 9
    items.append(
        pa.Table.from_pylist(
            [
                {
                    "source_system": "kafka",
                    "ingested_at": at(D2, "10:01:00"),
                    "order_ts": at(D2, "10:00:00"),
                    "discount_amount": Decimal("0.50"),
                    "unit_price": Decimal("2.00"),
                    "quantity": 3,
                    "product_id": "p1",
                    "line_number": 1,
                    "order_id": "o1",
                    "extra_counter": 7,
                }
            ],
            schema=items.schema().as_arrow(),
        )
    )
    append_silver(
        catalog,
        "orders",
        [{"order_id": "o1", "customer_id": "c1", "status": "paid", "order_ts": at(D2, "10:00:00")}],
    )
    run_published(spark, lakehouse, request(lakehouse, D2.isoformat()))
    [summary] = gold_rows(catalog, "daily_sales_summary")
    assert (summary["units_sold"], summary["net_revenue"]) == (3, Decimal("5.50"))


def test_a_failure_mid_run_leaves_main_as_it_was(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    run_published(spark, lakehouse, request(lakehouse, D1.isoformat(), run_id="good"))
    before = {t: gold_rows(catalog, t) for t in JOB_NAMES}
    # D3 overflows decimal(18,2): the run's one commit of D2 and D3 fails.
    append_silver(
        catalog,
        "order_items",
        [
            {
                "order_id": "o21a",
                "line_number": 9,
                "product_id": "p1",
                "quantity": 2_000_000_000,
                "unit_price": Decimal("9999999999.99"),
                "order_ts": at(D3, "00:00:00"),
            }
        ],
    )
    append_silver(
        catalog,
        "order_items",
        [
            {
                "order_id": "o21a",
                "line_number": 8,
                "product_id": "p1",
                "quantity": 2_000_000_000,
                "unit_price": Decimal("9999999999.99"),
                "order_ts": at(D3, "00:00:00"),
            }
        ],
    )
    with pytest.raises(Exception, match=r"(?i)overflow|precision|cannot be represented"):
        run(spark, request(lakehouse, f"{D2}..{D3}", run_id="bad"), progress=lambda _: None)
    assert {t: gold_rows(catalog, t) for t in JOB_NAMES} == before
    # The failed run's branch stays for debugging, as it was cut: its days are committed all at
    # once or not at all, so not even the branch holds half a run.
    branch = branch_name("bad")
    assert branch in catalog.load_table("gold.daily_sales_summary").metadata.refs
    assert [r["event_date"] for r in gold_rows(catalog, "daily_sales_summary", ref=branch)] == [D1]


def test_auto_processes_yesterday_then_catches_up_from_the_watermark(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)
    first = run_published(spark, lakehouse, request(lakehouse, AUTO, run_id="a1", today=D2))
    assert first.days == (D1,)
    again = run_published(spark, lakehouse, request(lakehouse, AUTO, run_id="a2", today=D2))
    assert again.days == ()
    later = run_published(
        spark,
        lakehouse,
        request(lakehouse, AUTO, run_id="a3", today=D3 + dt.timedelta(days=3), max_catch_up_days=2),
    )
    # Yesterday is D3 + 2, but silver ends on D3: the days after it are not due (none deferred).
    assert later.days == (D2, D3) and later.deferred_days == 0
    assert [r["event_date"] for r in gold_rows(catalog, "daily_sales_summary")] == [D1, D2, D3]


def test_auto_never_writes_a_day_silver_does_not_have(spark, lakehouse):
    """Issue 22, finding 3: on empty gold auto took the days up to yesterday, silver's or not,
    and published zero-row days; it takes the last days silver has, and then none."""
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)  # D1..D3
    later = D3 + dt.timedelta(days=5)
    first = run_published(spark, lakehouse, request(lakehouse, AUTO, run_id="n1", today=later))
    assert (first.days, first.deferred_days) == ((D1, D2, D3), 0)
    again = run_published(spark, lakehouse, request(lakehouse, AUTO, run_id="n2", today=later))
    assert again.days == ()
    assert [r["event_date"] for r in gold_rows(catalog, "daily_sales_summary")] == [D1, D2, D3]


def test_silver_days_are_the_same_from_spark_and_from_metadata(spark, lakehouse):
    """run-local decides auto from Iceberg's metadata, the job from Spark: the same days."""
    from goldpipe.core.contract import job_inputs
    from goldpipe.lakehouse.silver_tables import day_range
    from spark_apps import silver

    catalog = lakehouse.pyiceberg()
    create_empty_silver(catalog)
    inputs = job_inputs(JOB_NAMES)
    assert silver.day_range(spark, lakehouse.name, inputs) is None
    assert day_range(catalog, inputs) is None
    seed_small(catalog)  # its last rows at 23:59:59.999999 UTC of D3
    assert silver.day_range(spark, lakehouse.name, inputs) == day_range(catalog, inputs) == (D1, D3)


def test_auto_resolved_by_the_caller_is_taken_as_it_is(spark, lakehouse):
    """run-local resolves `auto` from gold's metadata before Spark starts; the job does not ask again."""
    seed_small(lakehouse.pyiceberg())
    # Spark's own answer on this empty gold would be D1 alone (today D2).
    carried = AutoDays((D2, D3), 4)
    report = run(
        spark, request(lakehouse, AUTO, run_id="c1", today=D2, resolved_auto=carried), progress=lambda _: None
    )
    assert (report.days, report.deferred_days) == ((D2, D3), 4)


def test_auto_on_empty_gold_takes_the_last_days_of_silver_within_the_limit(spark, lakehouse):
    """`seed --days 30` then `run-local --date auto`: not yesterday alone, the last N silver days."""
    catalog = lakehouse.pyiceberg()
    seed_small(catalog)  # D1..D3
    first = run_published(
        spark,
        lakehouse,
        request(lakehouse, AUTO, run_id="e1", today=D3 + dt.timedelta(days=1), max_catch_up_days=2),
    )
    assert first.days == (D2, D3)


def test_auto_watermark_uses_commit_history_for_tables_with_empty_days(spark, lakehouse):
    catalog = lakehouse.pyiceberg()
    create_empty_silver(catalog)
    # One clean order on D1: silver has the day, rejected_rows stays empty on it.
    clean = {"order_id": "o1", "customer_id": "c1", "status": "paid", "order_ts": at(D1, "10:00:00")}
    append_silver(catalog, "orders", [clean])
    run_published(spark, lakehouse, request(lakehouse, AUTO, run_id="a1", today=D2, jobs=("rejected_rows",)))
    assert gold_rows(catalog, "rejected_rows") == []
    assert gold.watermark(spark, lakehouse.name, "rejected_rows") == D1
    again = run_published(
        spark, lakehouse, request(lakehouse, AUTO, run_id="a2", today=D2, jobs=("rejected_rows",))
    )
    assert again.days == ()


def test_gold_tables_have_the_contract_schema(spark, lakehouse):
    from goldpipe.lakehouse.schema import contract_type_of

    catalog = lakehouse.pyiceberg()
    create_empty_silver(catalog)
    run_published(spark, lakehouse, request(lakehouse, D1.isoformat()))
    for name, contract in GOLD_TABLES.items():
        table = catalog.load_table(contract.identifier)
        actual = [(f.name, contract_type_of(f.field_type), f.required) for f in table.schema().fields]
        assert actual == [(c.name, c.type, c.required) for c in contract.columns], name
        assert [f.name for f in table.spec().fields] == ["event_date"]
        assert table.format_version == 2
