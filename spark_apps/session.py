"""A local Spark session with the Iceberg runtime, for ``goldpipe run-local`` and tests.

On a cluster the Spark Operator builds the session from the SparkApplication's ``sparkConf``;
``main.py`` then only calls ``getOrCreate``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pyspark.sql import SparkSession

LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")


def local_session(
    catalog_conf: Mapping[str, str],
    jars: Sequence[Path],
    *,
    app_name: str = "goldpipe",
    master: str | None = None,
    shuffle_partitions: int | None = None,
    driver_memory: str | None = None,
) -> SparkSession:
    """Start (or return the running) local session. 2 cores by default: the machine's budget."""
    java_opts = f"-Dlog4j2.configurationFile={LOG4J2_CONFIG.as_uri()}"
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master or os.environ.get("GOLDPIPE_SPARK_MASTER", "local[2]"))
        .config("spark.jars", ",".join(str(j) for j in jars))
        .config("spark.driver.memory", driver_memory or os.environ.get("GOLDPIPE_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.driver.extraJavaOptions", java_opts)
        .config(
            "spark.sql.shuffle.partitions",
            str(shuffle_partitions or os.environ.get("GOLDPIPE_SPARK_SHUFFLE_PARTITIONS", "4")),
        )
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Local runs have one driver; keep its temporary files out of the working directory.
        .config("spark.sql.warehouse.dir", str(Path(os.environ.get("TMPDIR", "/tmp")) / "goldpipe-spark-wh"))
    )
    for key, value in catalog_conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
