"""A local Spark session with the Iceberg runtime, for ``goldpipe run-local`` and tests.

On a cluster the Spark Operator builds the session from the SparkApplication's ``sparkConf``;
``main.py`` then only calls ``getOrCreate``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pyspark.sql import SparkSession

from goldpipe.core.native import native_conf
from spark_apps.jvm import SMALL_DAY_ROWS, class_data_sharing, jit_options

LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")

# Spark settings for a small day (measured: benchmarks/README.md). A cold JVM pays for every
# query plan, job and generated class; on a few thousand rows they cost more than they save.
SMALL_DAY_CONF = {
    # Adaptive execution runs each shuffle stage as its own job and re-plans after it: a small
    # day's run is ~50 jobs with it, 11 without.
    "spark.sql.adaptive.enabled": "false",
    # Whole-stage code generation compiles Java for every stage; interpreting is cheaper here.
    "spark.sql.codegen.wholeStage": "false",
}


def jars_conf(master: str, jars: Sequence[Path]) -> tuple[str, str]:
    """How ``jars`` reach the session: the driver's own class path in local mode, else spark.jars.

    Local mode has no executors to ship jars to, and only classes of the JVM's class path go
    into the class-data sharing archive: loaded through spark.jars, Iceberg's ~1,100 classes
    stayed out of it (about 1 s of every small run, benchmarks/README.md).
    """
    if master.startswith("local"):
        return "spark.driver.extraClassPath", os.pathsep.join(str(j) for j in jars)
    return "spark.jars", ",".join(str(j) for j in jars)


def local_session(
    catalog_conf: Mapping[str, str],
    jars: Sequence[Path],
    *,
    app_name: str = "goldpipe",
    master: str | None = None,
    shuffle_partitions: int | None = None,
    driver_memory: str | None = None,
    cds_dir: Path | None = None,
    day_rows: int | None = None,
    native_jar: Path | None = None,
) -> SparkSession:
    """Start (or return the running) local session. 2 cores by default: the machine's budget.

    ``cds_dir``: where the driver's class-data sharing archive lives (none: no archive).
    ``day_rows``: the input rows per day, when known: a small day gets a JIT and shuffle sized
    to it (``spark_apps.jvm``). ``native_jar``: run with native execution (``goldpipe.core.native``).
    """
    if native_jar is not None:
        jars = [*jars, native_jar]
    small = day_rows is not None and day_rows <= SMALL_DAY_ROWS
    java_opts = " ".join(
        filter(
            None,
            [
                f"-Dlog4j2.configurationFile={LOG4J2_CONFIG.as_uri()}",
                class_data_sharing(cds_dir, jars) if cds_dir is not None else "",
                jit_options(day_rows),
            ],
        )
    )
    # One shuffle partition is enough for a small day; more only add tasks per stage.
    partitions = (
        shuffle_partitions or os.environ.get("GOLDPIPE_SPARK_SHUFFLE_PARTITIONS") or (1 if small else 4)
    )
    spark_master = master or os.environ.get("GOLDPIPE_SPARK_MASTER", "local[2]")
    builder = (
        SparkSession.builder.appName(app_name)
        .master(spark_master)
        .config(*jars_conf(spark_master, jars))
        .config("spark.driver.memory", driver_memory or os.environ.get("GOLDPIPE_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.driver.extraJavaOptions", java_opts)
        .config(
            "spark.sql.shuffle.partitions",
            str(partitions),
        )
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Local runs have one driver; keep its temporary files out of the working directory.
        .config("spark.sql.warehouse.dir", str(Path(os.environ.get("TMPDIR", "/tmp")) / "goldpipe-spark-wh"))
    )
    native = native_conf() if native_jar is not None else {}
    for key, value in {**(SMALL_DAY_CONF if small else {}), **native, **catalog_conf}.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
