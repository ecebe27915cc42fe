"""One gold run: the I/O edges around the pure transformations.

Reads the silver a run needs once per day (cached and shared by every job of the run), writes
each job's day to the run's branch. It never publishes: that is ``goldpipe.checks.audit``'s.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from goldpipe.core.contract import JOB_INPUTS, REJECTION_REASONS, SILVER_TABLES
from goldpipe.core.dates import DEFAULT_MAX_CATCH_UP_DAYS, DateSpec, auto_days
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
    valid,
)

FACT_TABLES = ("orders", "order_items", "events")
DIMENSION_TABLES = ("customers", "products")


@dataclass(frozen=True)
class RunRequest:
    jobs: tuple[str, ...]
    dates: DateSpec
    run_id: str
    catalog: str = "lake"
    max_catch_up_days: int = DEFAULT_MAX_CATCH_UP_DAYS
    # The clock for `auto`; tests pin it.
    today: dt.date | None = None


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


@dataclass(frozen=True)
class DaySilver:
    """One day's classified current fact rows (with ``reject_reason``) and the current dimensions."""

    classified: Mapping[str, DataFrame]
    dimensions: Mapping[str, DataFrame]

    def valid(self, table: str) -> DataFrame:
        return valid(self.classified[table])


Progress = Callable[[str], None]


def _needed_inputs(jobs: tuple[str, ...]) -> tuple[str, ...]:
    needed = {t for job in jobs for t in JOB_INPUTS[job]}
    return tuple(t for t in (*FACT_TABLES, *DIMENSION_TABLES) if t in needed)


def classify_day(raw: Mapping[str, DataFrame], dimensions: Mapping[str, DataFrame]) -> DaySilver:
    """Current versions, then validity. Items need the day's valid orders even if no job reads orders."""
    classified: dict[str, DataFrame] = {}
    orders = classify_orders(current_versions(raw["orders"], ("order_id",)))
    classified["orders"] = orders
    classified["order_items"] = classify_order_items(
        current_versions(raw["order_items"], ("order_id", "line_number")), valid(orders)
    )
    if "events" in raw:
        classified["events"] = classify_events(current_versions(raw["events"], ("event_id",)))
    return DaySilver(classified, dimensions)


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
    # The laggard table decides: a job split into its own schedule catches up on its own.
    marks = [gold.watermark(spark, request.catalog, job) for job in request.jobs]
    mark = None if any(m is None for m in marks) else min(m for m in marks if m is not None)
    first = silver.first_day(spark, request.catalog, _needed_inputs(request.jobs)) if mark is None else None
    today = request.today or dt.datetime.now(dt.UTC).date()
    resolved = auto_days(mark, today, request.max_catch_up_days, first)
    return resolved.days, resolved.deferred


def _rejections_by_source(day_silver: DaySilver) -> dict[str, int]:
    return {
        source: rows.where(F.col(REASON).isNotNull()).count()
        for source, rows in day_silver.classified.items()
    }


def run(spark: SparkSession, request: RunRequest, progress: Progress = print) -> RunReport:
    """Run ``request``: every day of every job written to the run's branch, ``main`` never touched."""
    catalog = request.catalog
    inputs = _needed_inputs(request.jobs)
    # Fail on a broken contract before creating or touching anything in gold.
    silver.check_silver(spark, catalog, inputs)
    gold.ensure_tables(spark, catalog, request.jobs)
    days, deferred = resolve_days(spark, request)
    report = RunReport(request.run_id, branch_name(request.run_id), days, deferred)
    report.jobs = {job: JobStats() for job in request.jobs}
    if not days:
        progress("gold is up to date: no day to process")
        return report
    progress(
        f"run {request.run_id}: {len(days)} day(s) {days[0]}..{days[-1]}, jobs {', '.join(request.jobs)}"
        + (f" ({deferred} more day(s) left for the next run)" if deferred else "")
    )
    dimensions = {
        name: current_versions(silver.read_dimension(spark, catalog, name), SILVER_TABLES[name].key).persist(
            StorageLevel.MEMORY_AND_DISK
        )
        for name in DIMENSION_TABLES
        if name in inputs
    }
    for job in request.jobs:
        gold.create_branch(spark, catalog, job, report.branch)
    try:
        for day in days:
            _run_day(spark, request, report=report, day=day, dimensions=dimensions, progress=progress)
    finally:
        for frame in dimensions.values():
            frame.unpersist()
    # Publishing is not the job's: goldpipe.checks.audit does it (the controller, run-local).
    progress(f"left on branch {report.branch} for the audit; main unchanged")
    return report


def _run_day(
    spark: SparkSession,
    request: RunRequest,
    *,
    report: RunReport,
    day: dt.date,
    dimensions: Mapping[str, DataFrame],
    progress: Progress,
) -> None:
    raw = {
        name: silver.read_day(spark, request.catalog, name, day)
        for name in _needed_inputs(request.jobs)
        if name in FACT_TABLES
    }
    day_silver = classify_day(raw, dimensions)
    cached = [frame.persist(StorageLevel.MEMORY_AND_DISK) for frame in day_silver.classified.values()]
    try:
        rejections = _rejections_by_source(day_silver)
        for job in request.jobs:
            started = time.monotonic()
            gold.write_day(
                job_output(job, day_silver, day),
                catalog=request.catalog,
                table=job,
                branch=report.branch,
                day=day,
                run_id=request.run_id,
            )
            written = gold.branch_head_added_records(spark, request.catalog, job, report.branch)
            stats = report.jobs[job]
            stats.days += 1
            stats.rows_written += written
            stats.rejected_rows += sum(
                rejections.get(t, 0) for t in JOB_INPUTS[job] if t in REJECTION_REASONS
            )
            stats.seconds += time.monotonic() - started
            progress(f"  {day} {job}: {written} row(s) in {time.monotonic() - started:.1f}s")
    finally:
        for frame in cached:
            frame.unpersist()
