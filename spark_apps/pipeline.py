"""One gold run: the I/O edges around the pure transformations.

Reads the silver a run needs once per day (cached and shared by every job of the run), writes
each job's days to the run's branch in one commit (``goldpipe.core.dates.commit_groups``).
It never publishes: that is ``goldpipe.checks.audit``'s.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from goldpipe.core.contract import (
    DIMENSION_TABLES,
    FACT_TABLES,
    JOB_INPUTS,
    REJECTION_REASONS,
    SILVER_TABLES,
    job_inputs,
)
from goldpipe.core.dates import DEFAULT_MAX_CATCH_UP_DAYS, AutoDays, DateSpec, commit_groups, jobs_auto_days
from goldpipe.core.names import branch_name
from spark_apps import gold, silver
from spark_apps.transforms.current import current_versions
from spark_apps.transforms.customers import daily_customer_analytics
from spark_apps.transforms.products import product_performance_analytics
from spark_apps.transforms.rejected import rejected_rows
from spark_apps.transforms.sales import daily_sales_summary
from spark_apps.transforms.validity import (
    REASON,
    classify_events,
    classify_order_items,
    classify_orders,
    rejection_counts,
    valid,
)

# The timing of the concurrent phase where the silver is read and the gold tables are computed
# and written (the data phase of `run-local --timings` and the benchmarks).
DATA_PHASE = "silver read and the jobs (concurrent, wall clock)"

# The columns of each classified silver table that the gold jobs read (besides the reject reason):
# the day's cache holds only these, and the versions are deduplicated on these alone (plus the
# key and ingested_at). A job reading another column fails Spark's analysis: loud, never wrong.
JOB_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "orders": ("order_id", "customer_id", "status", "order_ts"),
    "order_items": (
        "order_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_amount",
        "order_status",
        "order_customer_id",
    ),
    "events": ("session_id", "customer_id", "event_type", "product_id", "event_ts"),
    # Dimensions: their attributes besides the key (spark_apps.transforms.dimensions).
    "customers": ("segment", "country", "signup_ts"),
    "products": ("category", "brand"),
}


@dataclass(frozen=True)
class RunRequest:
    jobs: tuple[str, ...]
    dates: DateSpec
    run_id: str
    catalog: str = "lake"
    max_catch_up_days: int = DEFAULT_MAX_CATCH_UP_DAYS
    # The clock for `auto`; tests pin it.
    today: dt.date | None = None
    # `auto` already resolved from gold's metadata by the caller (run-local): no Spark queries
    # for the watermark, which cost a cold driver seconds.
    resolved_auto: AutoDays | None = None


@dataclass
class JobStats:
    days: int = 0
    rows_written: int = 0
    rejected_rows: int = 0
    seconds: float = 0.0


@dataclass
class RunReport:
    run_id: str
    branch: str
    days: tuple[dt.date, ...] = ()
    deferred_days: int = 0
    jobs: dict[str, JobStats] = field(default_factory=dict)
    # Wall-clock seconds per phase of the run, summed over its days (for --timings, benchmarks).
    phases: dict[str, float] = field(default_factory=dict)

    def add_time(self, phase: str, seconds: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + seconds

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.add_time(phase, time.monotonic() - started)


@dataclass(frozen=True)
class DaySilver:
    """One day's classified current fact rows (with ``reject_reason``) and the current dimensions."""

    classified: Mapping[str, DataFrame]
    dimensions: Mapping[str, DataFrame]

    def valid(self, table: str) -> DataFrame:
        return valid(self.classified[table])


Progress = Callable[[str], None]


def current_rows(rows: DataFrame, table: str) -> DataFrame:
    """The current versions of ``table``'s rows, of the columns the jobs and the rules read."""
    key = SILVER_TABLES[table].key
    read = (*key, "ingested_at", *JOB_COLUMNS[table])
    return current_versions(rows.select(*[F.col(c) for c in rows.columns if c in read]), key)


def _narrow(classified: DataFrame, table: str) -> DataFrame:
    return classified.select(*[F.col(c) for c in (*JOB_COLUMNS[table], REASON)])


def current_dimension(spark: SparkSession, catalog: str, table: str) -> DataFrame:
    """The current versions of a dimension, its key and the attributes the jobs read."""
    key = SILVER_TABLES[table].key
    current = current_rows(silver.read_dimension(spark, catalog, table), table)
    return current.select(*[F.col(c) for c in (*key, *JOB_COLUMNS[table])])


def classify_facts(raw: Mapping[str, DataFrame]) -> dict[str, DataFrame]:
    """Current versions, then validity, narrowed to what the jobs read.

    Items need the day's valid orders even if no job reads orders; they are classified against
    the narrowed orders, the very frame the day caches, so its cache serves both.
    """
    classified: dict[str, DataFrame] = {}
    orders = _narrow(classify_orders(current_rows(raw["orders"], "orders")), "orders")
    classified["orders"] = orders
    classified["order_items"] = _narrow(
        classify_order_items(current_rows(raw["order_items"], "order_items"), valid(orders)), "order_items"
    )
    if "events" in raw:
        classified["events"] = _narrow(classify_events(current_rows(raw["events"], "events")), "events")
    return classified


def job_output(job: str, day_silver: DaySilver, day: dt.date) -> DataFrame:
    s = day_silver
    if job == "daily_sales_summary":
        return daily_sales_summary(s.valid("orders"), s.valid("order_items"), s.dimensions["products"], day)
    if job == "daily_customer_analytics":
        return daily_customer_analytics(
            s.valid("events"), s.valid("orders"), s.valid("order_items"), s.dimensions["customers"], day
        )
    if job == "product_performance_analytics":
        return product_performance_analytics(
            s.valid("events"), s.valid("order_items"), s.dimensions["products"], day
        )
    if job == "rejected_rows":
        return rejected_rows(s.classified, day)
    raise ValueError(f"unknown job {job!r}")


def resolve_days(spark: SparkSession, request: RunRequest) -> tuple[tuple[dt.date, ...], int]:
    if not request.dates.is_auto:
        return request.dates.days, 0
    if request.resolved_auto is not None:
        return request.resolved_auto.days, request.resolved_auto.deferred
    marks = [gold.watermark(spark, request.catalog, job) for job in request.jobs]
    silver_days = silver.day_range(spark, request.catalog, job_inputs(request.jobs))
    today = request.today or dt.datetime.now(dt.UTC).date()
    resolved = jobs_auto_days(marks, today, request.max_catch_up_days, silver_days)
    return resolved.days, resolved.deferred


def _rejections_by_source(days: list[DaySilver]) -> dict[str, int]:
    """Rejected rows per source table over ``days``, in one Spark job."""
    counts = reduce(
        DataFrame.unionByName,
        [rejection_counts(rows, source) for day in days for source, rows in day.classified.items()],
    )
    totals = counts.groupBy(F.col("source_table")).agg(F.sum("rejected_count").alias("rejected"))
    return {row["source_table"]: int(row["rejected"]) for row in totals.collect()}


def run(spark: SparkSession, request: RunRequest, progress: Progress = print) -> RunReport:
    """Run ``request``: every day of every job written to the run's branch, ``main`` never touched."""
    catalog = request.catalog
    inputs = job_inputs(request.jobs)
    report = RunReport(request.run_id, branch_name(request.run_id))
    report.jobs = {job: JobStats() for job in request.jobs}
    # Fail on a broken contract before creating or touching anything in gold.
    with report.timed("silver contract check"):
        silver.check_silver(spark, catalog, inputs)
    with report.timed("gold tables (create if missing)"):
        gold.ensure_tables(spark, catalog, request.jobs)
    with report.timed("days to run"):
        days, deferred = resolve_days(spark, request)
    report.days, report.deferred_days = days, deferred
    if not days:
        progress("gold is up to date: no day to process")
        return report
    progress(
        f"run {request.run_id}: {len(days)} day(s) {days[0]}..{days[-1]}, jobs {', '.join(request.jobs)}"
        + (f" ({deferred} more day(s) left for the next run)" if deferred else "")
    )
    with ThreadPoolExecutor(1) as planner:
        # The dimensions are planned (and their cache set up) in a second thread while this one
        # cuts the branches and plans the first day: planning is single-threaded work of the
        # driver, seconds of it in a cold JVM, and the other core is idle meanwhile.
        dimensions = planner.submit(_plan_dimensions, spark, catalog, inputs, report)
        try:
            with report.timed("branches (cut from main)"):
                for job in request.jobs:
                    gold.create_branch(spark, catalog, job, report.branch)
            for group in commit_groups(days):
                _run_days(spark, request, report=report, days=group, dimensions=dimensions, progress=progress)
        finally:
            with report.timed("release the cache"):
                if dimensions.exception() is None:
                    for frame in dimensions.result().values():
                        frame.unpersist()
    # Publishing is not the job's: goldpipe.checks.audit does it (the controller, run-local).
    progress(f"left on branch {report.branch} for the audit; main unchanged")
    return report


def _plan_dimensions(
    spark: SparkSession, catalog: str, inputs: tuple[str, ...], report: RunReport
) -> dict[str, DataFrame]:
    with report.timed("silver: plan the dimensions (concurrent)"):
        return {
            name: current_dimension(spark, catalog, name).persist(StorageLevel.MEMORY_AND_DISK)
            for name in DIMENSION_TABLES
            if name in inputs
        }


def _run_days(
    spark: SparkSession,
    request: RunRequest,
    *,
    report: RunReport,
    days: tuple[dt.date, ...],
    dimensions: Future[dict[str, DataFrame]],
    progress: Progress,
) -> None:
    """Every job over ``days``, each job's days in one commit to the run's branch."""
    with report.timed("silver: plan the days' reads and validity"):
        classified = {
            day: classify_facts(
                {
                    name: silver.read_day(spark, request.catalog, name, day)
                    for name in job_inputs(request.jobs)
                    if name in FACT_TABLES
                }
            )
            for day in days
        }
    with report.timed("silver: wait for the dimensions' plans"):
        by_day = {day: DaySilver(classified[day], dimensions.result()) for day in days}
    cached = [
        frame.persist(StorageLevel.MEMORY_AND_DISK) for c in classified.values() for frame in c.values()
    ]
    try:

        def write(job: str) -> tuple[int, float]:
            started = time.monotonic()
            rows = reduce(DataFrame.unionByName, [job_output(job, by_day[day], day) for day in days])
            gold.write_days(
                rows,
                catalog=request.catalog,
                table=job,
                branch=report.branch,
                days=days,
                run_id=request.run_id,
            )
            written = gold.branch_head_added_records(spark, request.catalog, job, report.branch)
            seconds = time.monotonic() - started
            span = f"{days[0]}" if len(days) == 1 else f"{days[0]}..{days[-1]}"
            progress(f"  {span} {job}: {written} row(s) in {seconds:.1f}s")
            return written, seconds

        # Every job runs at once, one Spark job per thread: the jobs are independent, and the
        # first to need a cached silver partition computes it while the others wait for it
        # (Spark's block locks), so one job's single-task stages and Iceberg commits overlap
        # another's scans. The rejection counts only feed the report.
        with report.timed(DATA_PHASE), ThreadPoolExecutor(len(request.jobs) + 1) as pool:
            counting = pool.submit(_rejections_by_source, list(by_day.values()))
            writes = {job: pool.submit(write, job) for job in request.jobs}
            done = {job: future.result() for job, future in writes.items()}
            rejections = counting.result()
        for job, (written, seconds) in done.items():
            stats = report.jobs[job]
            stats.days += len(days)
            stats.rows_written += written
            stats.rejected_rows += sum(
                rejections.get(t, 0) for t in JOB_INPUTS[job] if t in REJECTION_REASONS
            )
            stats.seconds += seconds
            report.add_time(f"job {job}", seconds)
    finally:
        for frame in cached:
            frame.unpersist()
