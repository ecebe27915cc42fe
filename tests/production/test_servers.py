"""Smoke tests of the production-profile tier's servers: each takes the connections goldpipe will
make in production and refuses wrong credentials, and none listens beyond 127.0.0.1."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support.processes import listening_addresses
from tests.support.servers import LOOPBACK, S3, Postgres, RestCatalog

ROWS = pa.table(
    {
        "order_id": pa.array([1, 2, 3], pa.int64()),
        "customer": pa.array(["ada", "grace", None], pa.string()),
        "amount": pa.array([12.5, 0.0, 99.99], pa.float64()),
    }
)


def test_postgres_takes_the_password_and_refuses_a_wrong_one(postgres: Postgres) -> None:
    psycopg2 = pytest.importorskip("psycopg2")
    connection = psycopg2.connect(
        host=postgres.host,
        port=postgres.port,
        user=postgres.user,
        password=postgres.password,
        dbname=postgres.dbname,
        connect_timeout=10,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_setting('server_version_num')")
            user, database, version = cursor.fetchone()
    finally:
        connection.close()
    assert (user, database) == (postgres.user, postgres.dbname)
    assert int(version) // 10000 == 15

    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(
            host=postgres.host,
            port=postgres.port,
            user=postgres.user,
            password=postgres.password + "x",
            dbname=postgres.dbname,
            connect_timeout=10,
        )


def test_s3_writes_and_reads_parquet(s3: S3) -> None:
    filesystem = s3.filesystem()
    path = f"{s3.bucket}/smoke/orders.parquet"
    pq.write_table(ROWS, path, filesystem=filesystem)

    assert filesystem.get_file_info(path).size > 0
    assert pq.read_table(path, filesystem=filesystem).equals(ROWS)


REFUSED = r"(?i)access.?denied|signature.?does.?not.?match|\b403\b"


def test_s3_refuses_a_wrong_secret(s3: S3) -> None:
    intruder = s3.filesystem(secret_key=s3.secret_key[::-1])
    path = f"{s3.bucket}/intruder/orders.parquet"
    with pytest.raises(OSError, match=REFUSED):
        pq.write_table(ROWS, path, filesystem=intruder)
    with pytest.raises(OSError, match=REFUSED):
        intruder.get_file_info(pa.fs.FileSelector(f"{s3.bucket}/", recursive=True))
    assert s3.filesystem().get_file_info(path).type == pa.fs.FileType.NotFound


def test_rest_catalog_keeps_an_iceberg_table_on_s3(rest_catalog: RestCatalog) -> None:
    from pyiceberg.catalog import load_catalog

    catalog = load_catalog("production", **rest_catalog.pyiceberg_properties())
    catalog.create_namespace("smoke")
    table = catalog.create_table("smoke.orders", schema=ROWS.schema)
    table.append(ROWS)

    reread = catalog.load_table("smoke.orders")
    assert reread.metadata_location.startswith(f"{rest_catalog.warehouse}/")
    metadata = rest_catalog.s3.filesystem().get_file_info(reread.metadata_location.removeprefix("s3://"))
    assert metadata.type == pa.fs.FileType.File  # written by the server, through its S3FileIO
    assert reread.location().startswith(f"{rest_catalog.warehouse}/")
    assert reread.scan().to_arrow().sort_by("order_id").equals(ROWS)
    assert ("smoke", "orders") in catalog.list_tables("smoke")


def test_every_server_listens_on_loopback_only(postgres: Postgres, s3: S3, rest_catalog: RestCatalog) -> None:
    expected_port = {
        "postgres": (postgres.pid, postgres.port),
        "seaweedfs": (s3.pid, int(s3.endpoint.rsplit(":", 1)[1])),
        "iceberg-rest": (rest_catalog.pid, int(rest_catalog.uri.rsplit(":", 1)[1])),
    }
    for name, (pid, port) in expected_port.items():
        listening = listening_addresses(pid)
        assert (LOOPBACK, port) in listening, (name, listening)
        assert {address for address, _ in listening} == {LOOPBACK}, (name, listening)
