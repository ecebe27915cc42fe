"""``goldpipe maintain``: the table maintenance job in a local Spark session.

The same code the maintenance schedule runs on a cluster (``spark_apps.table_maintenance``), on
the embedded lakehouse or the catalog of ``--values``; the values' ``maintenance`` section is the
policy, and the options override it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import click

from goldpipe.cli.interrupts import spark_interrupts
from goldpipe.cli.local_spark import catalog_session, spark_failures
from goldpipe.cli.params import values_option
from goldpipe.core.errors import GoldpipeError, UsageError
from goldpipe.deploy.settings import load_settings
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import shown_uri

# Option name -> MaintenancePolicy field it overrides (None: keep the values').
OVERRIDES = {
    "older_than_days": "snapshot_max_age_days",
    "retain_last": "retain_last_snapshots",
    "orphan_files": "remove_orphan_files",
    "orphan_file_min_age_days": "orphan_file_min_age_days",
    "rewrite_manifests": "rewrite_manifests",
    "compaction": "compaction",
    "failed_branch_retention_days": "failed_branch_retention_days",
}


@click.command("maintain")
@values_option
@click.option("--older-than-days", type=int, default=None, help="Expire snapshots older than this (days).")
@click.option(
    "--retain-last", type=int, default=None, help="Snapshots of each branch kept whatever their age."
)
@click.option("--orphan-files/--no-orphan-files", default=None, help="Remove orphan files (or not).")
@click.option("--orphan-file-min-age-days", type=int, default=None, help="Only orphan files older than this.")
@click.option("--rewrite-manifests/--no-rewrite-manifests", default=None, help="Rewrite manifests (or not).")
@click.option("--compaction/--no-compaction", default=None, help="Compact small data files (or not).")
@click.option(
    "--failed-branch-retention-days", type=int, default=None, help="Drop failed-run branches older than this."
)
@click.option(
    "--dry-run", is_flag=True, help="List the failed-run branches and orphan files to remove; change nothing."
)
@click.pass_context
def maintain(ctx: click.Context, /, dry_run: bool, **overrides: Any) -> None:
    """Iceberg maintenance of the gold tables and audit.check_results: drop failed-run audit
    branches past their retention, compact (if enabled), rewrite manifests, expire snapshots and
    remove orphan files. Defaults: the `maintenance` section of the values."""
    settings = load_settings(ctx.obj["values_file"])
    policy = dataclasses.replace(
        settings.maintenance,
        **{OVERRIDES[option]: value for option, value in overrides.items() if value is not None},
    )
    problems = policy.problems()
    if problems:  # arguments first: a usage error starts no JVM
        raise UsageError("; ".join(problems))
    try:
        from spark_apps.table_maintenance import run_maintenance
    except ImportError as exc:
        raise GoldpipeError(f"maintain needs PySpark ({exc}); install goldpipe[spark]") from None
    from goldpipe.lakehouse.jars import local_jars

    cfg = settings.catalog
    load_catalog(cfg)  # refuses a missing embedded lakehouse before the JVM starts
    local_jars(cfg)  # and a missing jar
    click.echo(f"starting Spark (local) on catalog {cfg.name!r} at {shown_uri(cfg.uri)}", err=True)
    # Each procedure is an Iceberg commit (or, for orphan files, deletes only unreferenced files).
    stopped = "nothing was changed (a dry run)" if dry_run else "each table is as its last procedure left it"
    with (
        spark_interrupts(lambda: f"maintenance stopped: {stopped}") as interrupts,
        spark_failures("maintenance failed:"),
    ):
        spark = interrupts.started(catalog_session(cfg, app_name="goldpipe-maintenance"))
        reports = run_maintenance(
            spark, cfg.name, policy, dt.datetime.now(dt.UTC), dry_run=dry_run, progress=click.echo
        )
    what = "dry run, nothing changed" if dry_run else "done"
    click.echo(f"maintenance of {len(reports)} table(s): {what}", err=True)


COMMANDS = [maintain]
