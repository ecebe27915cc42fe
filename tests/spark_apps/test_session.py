"""spark_apps.session: how a local session is sized (the session itself: every Spark test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spark_apps.session import jars_conf

JARS = [Path("/cache/iceberg-spark-runtime.jar"), Path("/cache/sqlite-jdbc.jar")]


@pytest.mark.parametrize("master", ["local[2]", "local", "local[*]"])
def test_local_mode_puts_the_jars_on_the_drivers_class_path(master: str) -> None:
    # Where the class-data sharing archive can hold their classes.
    assert jars_conf(master, JARS) == (
        "spark.driver.extraClassPath",
        "/cache/iceberg-spark-runtime.jar:/cache/sqlite-jdbc.jar",
    )


def test_a_cluster_master_gets_them_shipped_to_its_executors() -> None:
    assert jars_conf("spark://127.0.0.1:7077", JARS) == (
        "spark.jars",
        "/cache/iceberg-spark-runtime.jar,/cache/sqlite-jdbc.jar",
    )
