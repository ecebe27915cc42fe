from __future__ import annotations

from pathlib import Path

import pytest

from goldpipe.core.errors import ConfigError
from goldpipe.deploy.settings import load_settings
from goldpipe.lakehouse.catalog import sqlalchemy_uri
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded, spark_catalog_conf


def test_defaults_are_the_embedded_lakehouse_under_goldpipe_home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = load_settings(None, {"GOLDPIPE_HOME": str(tmp_path / "home")}).catalog
    assert cfg.name == "lake" and cfg.type == "jdbc"
    assert cfg.uri == f"jdbc:sqlite:{tmp_path / 'home' / 'catalog.db'}"
    assert cfg.warehouse == (tmp_path / "home" / "warehouse").as_uri()


def test_default_home_is_dot_goldpipe_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(None, {}).catalog.uri.endswith(str(Path(".goldpipe", "catalog.db")))


def test_values_file_then_environment(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(
        "catalog:\n  name: prod\n  uri: jdbc:postgresql://db:5432/lake\n  warehouse: s3://b/w\n"
        "  properties:\n    s3.endpoint: http://minio:9000\n"
    )
    cfg = load_settings(str(values), {}).catalog
    assert (cfg.name, cfg.uri, cfg.warehouse) == ("prod", "jdbc:postgresql://db:5432/lake", "s3://b/w")
    env = {"GOLDPIPE_CATALOG_URI": "http://rest:8181", "GOLDPIPE_CATALOG_TYPE": "rest"}
    cfg = load_settings(str(values), env).catalog
    assert (cfg.type, cfg.uri) == ("rest", "http://rest:8181")


def test_goldpipe_values_env_names_the_file(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("catalog:\n  name: other\n")
    assert (
        load_settings(None, {"GOLDPIPE_VALUES": str(values), "GOLDPIPE_HOME": str(tmp_path)}).catalog.name
        == "other"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Held to values.schema.json first, like every command's values (issue 22, finding 5).
        ("catalog: [1]", "catalog: must be of type object"),
        ("catalog:\n  type: hive\n", "catalog/type: must be one of: jdbc, rest"),
        ("catalog:\n  uri: jdbc:mysql://x/y\n", "catalog/uri: must be empty, jdbc:sqlite:"),
        ("catalog:\n  type: rest\n  uri: thrift://x\n", "http"),
        ("catalog:\n  name: Bad-Name\n", "catalog/name: does not match the pattern"),
        ("catalog:\n  bogus: 1\n", "'bogus' was unexpected"),
        ("catalog: {uri: [unclosed", "not valid YAML"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path, content, message):
    values = tmp_path / "v.yaml"
    values.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(str(values), {"GOLDPIPE_HOME": str(tmp_path)})


def test_missing_values_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(str(tmp_path / "nope.yaml"), {})


def test_spark_and_pyiceberg_see_the_same_catalog():
    cfg = CatalogConfig(
        name="lake",
        uri="jdbc:sqlite:/data/catalog.db",
        warehouse="file:///data/wh",
        properties={"io-impl": "x.Y"},
    )
    conf = spark_catalog_conf(cfg)
    assert conf["spark.sql.catalog.lake"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.lake.uri"] == "jdbc:sqlite:/data/catalog.db"
    assert conf["spark.sql.catalog.lake.jdbc.schema-version"] == "V1"
    assert conf["spark.sql.catalog.lake.io-impl"] == "x.Y"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert sqlalchemy_uri(cfg) == "sqlite:////data/catalog.db"


def test_postgres_uri_translation_quotes_credentials():
    cfg = CatalogConfig(
        uri="jdbc:postgresql://db:5432/lake", properties={"jdbc.user": "u@x", "jdbc.password": "p:/w"}
    )
    assert sqlalchemy_uri(cfg) == "postgresql+psycopg2://u%40x:p%3A%2Fw@db:5432/lake"


def test_a_rest_catalog_keeps_an_empty_warehouse_for_its_server_to_decide(tmp_path):
    rest = CatalogConfig(type="rest", uri="http://127.0.0.1:8181")
    assert resolve_embedded(rest, tmp_path) == rest
    assert "spark.sql.catalog.lake.warehouse" not in spark_catalog_conf(rest)
    jdbc = resolve_embedded(CatalogConfig(), tmp_path)
    assert jdbc.warehouse == (tmp_path / "warehouse").as_uri()
    assert spark_catalog_conf(jdbc)["spark.sql.catalog.lake.warehouse"] == jdbc.warehouse
