"""The local Spark session of the CLI's Spark commands (``run-local``, ``maintain``): one catalog,
the jars it needs, its secrets applied the way the job applies them on a cluster, and Spark's
failures as one line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from goldpipe.core.errors import GoldpipeError
from goldpipe.lakehouse.config import CatalogConfig, spark_catalog_conf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


def catalog_session(cfg: CatalogConfig, *, app_name: str, **options: Any) -> SparkSession:
    """A local session with ``cfg`` registered (``options``: ``spark_apps.session.local_session``'s).

    The PostgreSQL driver and the AWS bundle join the class path when the catalog needs them;
    catalog secrets come from the environment and never become part of the session's settings
    at start, as on a cluster (``spark_apps.runtime.apply_credentials``).
    """
    from goldpipe.lakehouse.jars import local_jars
    from spark_apps.runtime import apply_credentials
    from spark_apps.session import local_session

    spark = local_session(spark_catalog_conf(cfg), local_jars(cfg), app_name=app_name, **options)
    apply_credentials(spark, cfg.name)
    return spark


def _spark_error_message(exc: Exception) -> str | None:
    """A one-paragraph message for Spark/Py4J failures (their Java stack traces help nobody here)."""
    try:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException
    except ImportError:
        return None
    if isinstance(exc, Py4JJavaError):
        return str(exc.java_exception.toString())
    if isinstance(exc, PySparkException):
        return str(exc).strip().splitlines()[0]
    return None


@contextmanager
def spark_failures(what: str) -> Iterator[None]:
    """A Spark or Py4J failure inside as one ``GoldpipeError`` line: ``what``, then its message."""
    try:
        yield
    except GoldpipeError:
        raise
    except Exception as exc:
        message = _spark_error_message(exc)
        if message is None:
            raise
        log.debug("%s", what, exc_info=True)  # -v: Spark's whole error, Java stack included
        raise GoldpipeError(f"{what} {message}") from None
