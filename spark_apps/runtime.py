"""What the Spark applications share beside their entrypoints (``spark_apps/main.py``,
``spark_apps/maintenance.py``) and what ``goldpipe run-local`` reuses in-process: the driver's
log, the catalog's credentials, the run id."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import uuid
from typing import TYPE_CHECKING

from goldpipe.core.names import SUBMISSION_ID_CONF, kubernetes_run_id

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("goldpipe.job")


def default_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dt%H%M%S}-{uuid.uuid4().hex[:6]}"


def log_to_stderr(logger: logging.Logger = log) -> None:
    # Our own handler: under spark-submit the root logger may already be configured (or
    # silenced) by PySpark, and the driver log is where operators look for progress.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def apply_credentials(spark: SparkSession, catalog: str) -> None:
    """Catalog secrets from the environment into the catalog's settings, before its first use.

    Spark initialises a catalog lazily, so settings made here still count; they never appear
    in the SparkApplication (whose sparkConf anyone with read access to it can see).
    """
    from goldpipe.core.credentials import credential_properties

    for prop, value in credential_properties().items():
        spark.conf.set(f"spark.sql.catalog.{catalog}.{prop}", value)


def run_id_of(spark: SparkSession, explicit: str | None) -> str:
    """``--run-id``, else on Kubernetes the application's name and submission (what the
    controller derives from the SparkApplication to find the run's branch), else time plus a
    random suffix."""
    if explicit:
        return explicit
    if spark.conf.get("spark.kubernetes.driver.pod.name", None):
        return kubernetes_run_id(
            str(spark.conf.get("spark.app.name")), spark.conf.get(SUBMISSION_ID_CONF, None)
        )
    return default_run_id()
