"""Entrypoint of the maintenance Spark application (the maintenance schedule's ``mainApplicationFile``).

    spark-submit spark_apps/maintenance.py [--catalog lake] [--snapshot-max-age-days 7]
        [--retain-last-snapshots 5] [--[no-]remove-orphan-files] [--orphan-file-min-age-days 3]
        [--[no-]rewrite-manifests] [--[no-]compaction] [--compaction-min-input-files 5]
        [--compaction-target-file-size-mb 128] [--failed-branch-retention-days 7] [--dry-run]

For every gold table and ``audit.check_results``: drops failed-run audit branches older than the
retention, then compacts (if enabled), rewrites manifests (if enabled), expires snapshots and
removes orphan files (``goldpipe.core.maintenance`` decides, ``spark_apps.table_maintenance`` runs
it), then records what it did in the table property ``goldpipe.maintenance.last-report``, where the
controller reads it for its Event and metrics (``goldpipe.core.maintenance_report``). Exit status:
0 success, 2 usage error, 1 any failure (the Spark Operator marks the run FAILED).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    # spark-submit runs this file as a script; make `spark_apps` and `goldpipe` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from goldpipe.core.maintenance import MaintenancePolicy
from spark_apps.runtime import apply_credentials, log_to_stderr

log = logging.getLogger("goldpipe.maintenance")
DEFAULTS = MaintenancePolicy()


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spark_apps/maintenance.py", description="Iceberg maintenance of goldpipe's tables."
    )
    add = parser.add_argument
    add("--catalog", default="lake", help="Iceberg catalog name (default %(default)s)")
    add("--snapshot-max-age-days", type=_count, default=DEFAULTS.snapshot_max_age_days)
    add("--retain-last-snapshots", type=_count, default=DEFAULTS.retain_last_snapshots)
    add("--remove-orphan-files", action=argparse.BooleanOptionalAction, default=DEFAULTS.remove_orphan_files)
    add("--orphan-file-min-age-days", type=_count, default=DEFAULTS.orphan_file_min_age_days)
    add("--rewrite-manifests", action=argparse.BooleanOptionalAction, default=DEFAULTS.rewrite_manifests)
    add("--compaction", action=argparse.BooleanOptionalAction, default=DEFAULTS.compaction)
    add("--compaction-min-input-files", type=_count, default=DEFAULTS.compaction_min_input_files)
    add("--compaction-target-file-size-mb", type=_count, default=DEFAULTS.compaction_target_file_size_mb)
    add("--failed-branch-retention-days", type=_count, default=DEFAULTS.failed_branch_retention_days)
    add("--dry-run", action="store_true", help="list the branches and orphan files only; change nothing")
    return parser


def policy_of(args: argparse.Namespace) -> MaintenancePolicy:
    return MaintenancePolicy(
        snapshot_max_age_days=args.snapshot_max_age_days,
        retain_last_snapshots=args.retain_last_snapshots,
        remove_orphan_files=args.remove_orphan_files,
        orphan_file_min_age_days=args.orphan_file_min_age_days,
        rewrite_manifests=args.rewrite_manifests,
        compaction=args.compaction,
        compaction_min_input_files=args.compaction_min_input_files,
        compaction_target_file_size_mb=args.compaction_target_file_size_mb,
        failed_branch_retention_days=args.failed_branch_retention_days,
    )


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, MaintenancePolicy]:
    parser = build_parser()
    args = parser.parse_args(argv)
    policy = policy_of(args)
    problems = policy.problems()
    if problems:
        parser.error("; ".join(problems))  # one line, exit 2
    return args, policy


def main(argv: Sequence[str] | None = None) -> int:
    args, policy = parse_args(argv)
    log_to_stderr(log)
    from pyspark.sql import SparkSession

    from spark_apps.table_maintenance import run_maintenance

    spark = SparkSession.builder.getOrCreate()
    try:
        apply_credentials(spark, args.catalog)
        run_maintenance(
            spark, args.catalog, policy, dt.datetime.now(dt.UTC), dry_run=args.dry_run, progress=log.info
        )
    except Exception:
        log.error("maintenance failed:\n%s", traceback.format_exc())
        return 1
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
