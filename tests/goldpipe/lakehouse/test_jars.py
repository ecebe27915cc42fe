"""Which pinned jars a local Spark session gets: the local set, plus what the catalog needs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goldpipe.core.errors import GoldpipeError
from goldpipe.lakehouse import jars
from goldpipe.lakehouse.config import CatalogConfig

SQLITE = CatalogConfig(uri="jdbc:sqlite:/x/catalog.db", warehouse="file:///x/wh")
POSTGRES_S3 = CatalogConfig(uri="jdbc:postgresql://db/lake", warehouse="s3://bucket/wh")
REST_S3 = CatalogConfig(type="rest", uri="http://rest:8181", properties={"s3.endpoint": "http://s3:8333"})


@pytest.fixture
def all_jars(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDPIPE_JARS", str(tmp_path))
    for jar in jars.pinned_jars():
        (tmp_path / jar.filename).write_bytes(b"")
    return tmp_path


@pytest.mark.parametrize(
    ("cfg", "extra"),
    [
        (None, set()),
        (SQLITE, set()),
        (POSTGRES_S3, {jars.POSTGRESQL_DRIVER, jars.AWS_BUNDLE}),
        (CatalogConfig(uri="jdbc:postgresql://db/lake", warehouse="file:///wh"), {jars.POSTGRESQL_DRIVER}),
        (REST_S3, {jars.AWS_BUNDLE}),
        (CatalogConfig(type="rest", uri="http://rest:8181"), set()),
    ],
)
def test_a_session_gets_the_cluster_jars_its_catalog_needs(all_jars, cfg, extra):
    local = {j.artifact for j in jars.pinned_jars() if j.set == "local"}
    names = {p.name for p in jars.local_jars(cfg)}
    expected = {j.filename for j in jars.pinned_jars() if j.artifact in local | extra}
    assert names == expected


def test_a_missing_cluster_jar_names_the_fetch_that_brings_it(all_jars):
    bundle = next(j for j in jars.pinned_jars() if j.artifact == jars.AWS_BUNDLE)
    (all_jars / bundle.filename).unlink()
    jars.local_jars(SQLITE)  # not needed there
    with pytest.raises(GoldpipeError, match=r"iceberg-aws-bundle.*scripts/fetch-jars.sh --all"):
        jars.local_jars(POSTGRES_S3)


def test_make_setup_puts_the_jars_where_goldpipe_looks_for_them(tmp_path, monkeypatch):
    """With $XDG_CACHE_HOME set, `make setup` fetched into ~/.cache while the CLI looked under
    $XDG_CACHE_HOME (issue 22, finding 10): the Makefile and jar_dir() now agree."""
    import shutil
    import subprocess

    from goldpipe.lakehouse.jars import jar_dir

    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    root = Path(__file__).resolve().parents[3]
    for xdg in (str(tmp_path / "xdg"), None):
        env = {k: v for k, v in os.environ.items() if k not in ("GOLDPIPE_JARS", "XDG_CACHE_HOME")}
        if xdg:
            env["XDG_CACHE_HOME"] = xdg
        printed = subprocess.run(
            [make, "-s", "-C", str(root), "--eval", "print-jars: ; @echo $(GOLDPIPE_JARS)", "print-jars"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        monkeypatch.delenv("GOLDPIPE_JARS", raising=False)
        if xdg:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        else:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        assert Path(printed) == jar_dir()


def test_the_native_jar_is_found_when_fetched_and_never_on_a_plain_session(all_jars):
    assert jars.native_jar() == all_jars / "comet-spark-spark4.1_2.13-1.2.0.jar"
    assert all("comet" not in p.name for p in jars.local_jars(POSTGRES_S3))
    (all_jars / "comet-spark-spark4.1_2.13-1.2.0.jar").unlink()
    assert jars.native_jar() is None  # not fetched: Spark runs alone, no error


@pytest.mark.parametrize(("value", "setting"), [(None, "auto"), ("ON", "on"), ("off", "off")])
def test_the_native_setting(monkeypatch, value, setting):
    if value is None:
        monkeypatch.delenv("GOLDPIPE_SPARK_NATIVE", raising=False)
    else:
        monkeypatch.setenv("GOLDPIPE_SPARK_NATIVE", value)
    assert jars.native_setting() == setting


def test_a_bad_native_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GOLDPIPE_SPARK_NATIVE", "fast")
    with pytest.raises(GoldpipeError, match="GOLDPIPE_SPARK_NATIVE must be one of auto, on, off, not 'fast'"):
        jars.native_setting()
