"""Entrypoint of every gold Spark application (the SparkApplication's ``mainApplicationFile``).

    spark-submit spark_apps/main.py --jobs all --date auto [--max-catch-up-days 7]
        [--catalog lake] [--run-id ID]

The run leaves its output on its branch (``audit_<run id>``); publishing is the controller's.
The catalog is whatever the session's ``spark.sql.catalog.<name>.*`` settings define; on a
cluster they come from the SparkApplication's ``sparkConf``. Exit status: 0 success, 2 usage
error, 1 any failure (so the Spark Operator marks the run FAILED, never COMPLETED).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    # spark-submit runs this file as a script; make `spark_apps` and `goldpipe` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from typing import TYPE_CHECKING

from goldpipe.core.contract import JOB_NAMES, parse_jobs
from goldpipe.core.dates import DATE_SPEC_HELP, DEFAULT_MAX_CATCH_UP_DAYS, parse_date, parse_date_spec
from goldpipe.core.errors import GoldpipeError
from spark_apps.runtime import apply_credentials, log, log_to_stderr, run_id_of

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["build_parser", "main", "run_with_session"]


def _jobs(text: str) -> tuple[str, ...]:
    try:
        return parse_jobs(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date_spec(text: str) -> object:
    try:
        return parse_date_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _day(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spark_apps/main.py", description="Run goldpipe gold jobs.")
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=JOB_NAMES,
        help=f"comma-separated jobs or 'all' (default); valid: {', '.join(JOB_NAMES)}",
    )
    parser.add_argument("--date", type=_date_spec, required=True, help=DATE_SPEC_HELP)
    parser.add_argument(
        "--max-catch-up-days",
        type=_positive,
        default=DEFAULT_MAX_CATCH_UP_DAYS,
        help="with --date auto, at most this many days per run (default %(default)s)",
    )
    parser.add_argument("--catalog", default="lake", help="Iceberg catalog name (default %(default)s)")
    parser.add_argument(
        "--run-id",
        default=None,
        help="names the run's branch; default: the application name on Kubernetes, else time + random",
    )
    # Schedules applied by goldpipe 0.1 still pass it; a run never publishes anyway.
    parser.add_argument("--no-publish", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--today", type=_day, default=None, help=argparse.SUPPRESS)
    return parser


def run_with_session(spark: SparkSession, args: argparse.Namespace) -> int:
    """Run the parsed request on ``spark``; the exit status (0, or 1 on any failure)."""
    from spark_apps.pipeline import RunRequest, run

    apply_credentials(spark, args.catalog)
    request = RunRequest(
        jobs=args.jobs,
        dates=args.date,
        run_id=run_id_of(spark, args.run_id),
        catalog=args.catalog,
        max_catch_up_days=args.max_catch_up_days,
        today=args.today,
    )
    try:
        report = run(spark, request, progress=log.info)
    except GoldpipeError as exc:
        log.error("run %s failed: %s", request.run_id, exc)
        return 1
    except Exception:
        log.error("run %s failed:\n%s", request.run_id, traceback.format_exc())
        return 1
    for job, stats in report.jobs.items():
        log.info(
            "%s: %d day(s), %d row(s) written, %d rejected input row(s), %.1fs",
            job,
            stats.days,
            stats.rows_written,
            stats.rejected_rows,
            stats.seconds,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    log_to_stderr()
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    try:
        return run_with_session(spark, args)
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
