"""The real servers of the production-profile tier (tests/production): PostgreSQL, SeaweedFS's S3
gateway and Apache Iceberg's REST catalog server (its catalog in SQLite, its warehouse on that
S3). Each runs in a temporary directory on free ports of 127.0.0.1 only, is waited for until it
answers, and is stopped by pid when its ``with`` block ends, also when a test failed.

Where the binaries come from: PostgreSQL is the system's (Debian's postgresql-15,
``$GOLDPIPE_PG_BIN`` overrides its directory); ``weed`` is built by
``scripts/install-tools.sh lakehouse`` (linked as .tools/bin/weed); the REST catalog server's
jars are fetched by ``scripts/fetch-rest-catalog.sh``. ``make tools`` does both.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.processes import Supervisor, die_with_parent, free_port, log_tail, wait_until

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
PG_BIN = Path(os.environ.get("GOLDPIPE_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_BINARIES = ("initdb", "postgres", "pg_isready", "createdb")
WEED = Path(os.environ.get("GOLDPIPE_TOOLS", ROOT / ".tools")) / "bin" / "weed"
REST_LOCK = ROOT / "tools" / "iceberg-rest" / "jars.lock"
REST_LAUNCHER = ROOT / "tools" / "iceberg-rest" / "LoopbackRESTCatalogServer.java"
START_TIMEOUT = 120.0


# -- what the fixtures hand out ---------------------------------------------------------------------
@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    pid: int

    def sqlalchemy_uri(self) -> str:
        return f"postgresql+psycopg2://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.dbname}"


@dataclass(frozen=True)
class S3:
    endpoint: str  # http://127.0.0.1:<port>; path-style addressing
    access_key: str
    secret_key: str
    bucket: str
    region: str
    pid: int

    def pyiceberg_properties(self) -> dict[str, str]:
        return {
            "s3.endpoint": self.endpoint,
            "s3.access-key-id": self.access_key,
            "s3.secret-access-key": self.secret_key,
            "s3.region": self.region,
        }

    def filesystem(self, secret_key: str | None = None, *, allow_bucket_creation: bool = False) -> Any:
        """A pyarrow S3FileSystem on this server (``secret_key`` overrides the right one)."""
        from pyarrow import fs

        return fs.S3FileSystem(
            access_key=self.access_key,
            secret_key=self.secret_key if secret_key is None else secret_key,
            region=self.region,
            endpoint_override=self.endpoint,
            scheme="http",
            force_virtual_addressing=False,
            retry_strategy=fs.AwsStandardS3RetryStrategy(max_attempts=1),
            allow_bucket_creation=allow_bucket_creation,
        )


@dataclass(frozen=True)
class RestCatalog:
    uri: str  # http://127.0.0.1:<port>
    warehouse: str  # s3://<bucket>/rest
    pid: int
    s3: S3

    def pyiceberg_properties(self) -> dict[str, str]:
        """What pyiceberg's ``load_catalog(name, **...)`` needs: the server hands out no S3
        settings, so the client brings its own."""
        return {"type": "rest", "uri": self.uri, **self.s3.pyiceberg_properties()}


# -- what is missing --------------------------------------------------------------------------------
def missing_postgres() -> list[str]:
    return [str(PG_BIN / b) for b in PG_BINARIES if not os.access(PG_BIN / b, os.X_OK)]


def missing_weed() -> list[str]:
    return [] if os.access(WEED, os.X_OK) else [str(WEED)]


def rest_catalog_jar_dir() -> Path:
    if os.environ.get("GOLDPIPE_REST_CATALOG_JARS"):
        return Path(os.environ["GOLDPIPE_REST_CATALOG_JARS"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "goldpipe" / "iceberg-rest"


def rest_catalog_class_path() -> list[Path]:
    """The jars of tools/iceberg-rest/jars.lock, in its order (only those: never a stale jar of
    an older lock that is still in the cache)."""
    jars = []
    for line in REST_LOCK.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        _group, artifact, version, *classifier = line.split()[0].split(":")
        jars.append(rest_catalog_jar_dir() / f"{'-'.join([artifact, version, *classifier])}.jar")
    return jars


def missing_rest_catalog() -> list[str]:
    # The launcher runs in Java's source-file mode, which needs a JDK (its compiler), not a JRE.
    missing = [] if shutil.which("java") and shutil.which("javac") else ["a JDK 17+ (java, javac) on PATH"]
    return missing + [str(p) for p in rest_catalog_class_path() if not p.is_file()]


# -- helpers ----------------------------------------------------------------------------------------
def _server_user() -> str | None:
    """Whom to run PostgreSQL as: ourselves, or, as root (initdb and postgres refuse root),
    the system's ``postgres`` user, else ``nobody``."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root, and neither a postgres nor a nobody user exists")


def _give_to(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _run(argv: Sequence[str | os.PathLike[str]], *, env: dict[str, str], user: str | None = None) -> None:
    result = subprocess.run(
        die_with_parent([str(a) for a in argv], user),
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd="/",
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, argv))} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )


def _base_env(home: Path) -> dict[str, str]:
    """A clean environment: nothing of the caller's (AWS_*, CATALOG_*, PG*) leaks into a server."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LANG": "C.UTF-8", "TZ": "UTC"}
    if os.environ.get("JAVA_HOME"):
        env["JAVA_HOME"] = os.environ["JAVA_HOME"]
    return env


def _http_status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


# -- PostgreSQL -------------------------------------------------------------------------------------
@contextmanager
def postgres_server(logs: Path, *, user: str = "goldpipe", dbname: str = "goldpipe") -> Iterator[Postgres]:
    """A throwaway PostgreSQL cluster: ``user`` with a random password (scram-sha-256 for every
    connection, also the unix socket), database ``dbname``, TCP on 127.0.0.1 only, its socket in
    the cluster's own directory. Stopped with SIGQUIT (immediate shutdown): nothing is kept."""
    owner = _server_user()
    # Not under pytest's tmp dir: as root, the postgres user could not reach it (mode 0700).
    root = Path(tempfile.mkdtemp(prefix="goldpipe-postgres-"))
    supervisor = Supervisor(logs)
    try:
        _give_to(root, owner)
        password = secrets.token_urlsafe(18)
        pwfile = root / "password"
        pwfile.write_text(password + "\n", encoding="utf-8")
        _give_to(pwfile, owner)
        env = _base_env(root)
        _run(
            [PG_BIN / "initdb", "-D", root / "data", "-U", user, f"--pwfile={pwfile}", "--auth=scram-sha-256",
             "--encoding=UTF8", "--locale=C", "--no-sync"],
            env=env, user=owner,
        )  # fmt: skip
        pwfile.unlink()
        port = free_port()
        process = supervisor.start(
            "postgres",
            [PG_BIN / "postgres", "-D", root / "data", "-p", str(port), "-c", f"listen_addresses={LOOPBACK}",
             "-c", f"unix_socket_directories={root}", "-c", "fsync=off", "-c", "full_page_writes=off"],
            env,
            user=owner,
            stop_signal=signal.SIGQUIT,
            cwd=root,
        )  # fmt: skip

        def ready() -> bool:
            supervisor.alive("postgres")
            probe = [str(PG_BIN / "pg_isready"), "-q", "-h", LOOPBACK, "-p", str(port)]
            return subprocess.run(probe, env=env, check=False, timeout=10).returncode == 0

        wait_until(
            ready,
            timeout=START_TIMEOUT,
            what="PostgreSQL",
            details=lambda: log_tail(supervisor.log("postgres")),
        )
        _run(
            [PG_BIN / "createdb", "-h", LOOPBACK, "-p", str(port), "-U", user, dbname],
            env={**env, "PGPASSWORD": password},
        )
        yield Postgres(LOOPBACK, port, user, password, dbname, process.pid)
    finally:
        supervisor.stop_all()
        shutil.rmtree(root, ignore_errors=True)


# -- SeaweedFS --------------------------------------------------------------------------------------
@contextmanager
def seaweedfs_server(root: Path, *, bucket: str = "goldpipe", region: str = "us-east-1") -> Iterator[S3]:
    """``weed server -s3``: master, volume server, filer and S3 gateway in one process, data in
    ``root``, every listener (HTTP and gRPC) on its own free port of 127.0.0.1, the optional
    Iceberg and Lance endpoints of its S3 gateway off, no telemetry. S3 requests must be signed
    with the one identity of ``-s3.config``; the bucket is created through S3 itself."""
    root.mkdir(parents=True, exist_ok=True)
    data = root / "data"
    data.mkdir(exist_ok=True)
    access_key = f"goldpipe{secrets.token_hex(6)}"
    secret_key = secrets.token_urlsafe(30)
    identities = {
        "identities": [
            {
                "name": "goldpipe-tests",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    config = root / "s3.json"
    config.write_text(json.dumps(identities), encoding="utf-8")
    config.chmod(0o600)
    ports = {
        flag: free_port()
        for server in ("master", "volume", "filer", "s3")
        for flag in (f"{server}.port", f"{server}.port.grpc")
    }
    # -logtostderr (a flag of weed itself, before the command): into weed.log, not /tmp/weed.*.
    argv: list[str | os.PathLike[str]] = [
        WEED, "-logtostderr", "server", f"-dir={data}", f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}", "-s3",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-filer.localSocket={root / 'filer.sock'}", f"-s3.localSocket={root / 's3.sock'}",
        "-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=16",
    ]  # fmt: skip
    supervisor = Supervisor(root / "logs")
    try:
        # SIGKILL: weed's graceful shutdown keeps retrying its own stopped filer for 15 s and
        # more, and nothing of the data is worth keeping.
        process = supervisor.start("weed", argv, _base_env(root), cwd=root, stop_signal=signal.SIGKILL)
        s3 = S3(f"http://{LOOPBACK}:{ports['s3.port']}", access_key, secret_key, bucket, region, process.pid)

        def bucket_created() -> bool:
            # The gateway answers before the filer and volume server are ready: creating the
            # bucket (and a first object) succeeds only once the whole chain works.
            supervisor.alive("weed")
            filesystem = s3.filesystem(allow_bucket_creation=True)
            filesystem.create_dir(bucket)
            with filesystem.open_output_stream(f"{bucket}/.ready") as out:
                out.write(b"ok")
            filesystem.delete_file(f"{bucket}/.ready")
            return True

        wait_until(
            bucket_created,
            timeout=START_TIMEOUT,
            what="SeaweedFS S3",
            details=lambda: log_tail(supervisor.log("weed")),
        )
        yield s3
    finally:
        supervisor.stop_all()
        # `weed server` also serves each gRPC port on a unix socket at a fixed place,
        # /tmp/seaweedfs-<server>-grpc-<port>.sock, and a killed weed leaves them behind.
        for flag, port in ports.items():
            if flag.endswith(".grpc"):
                Path(f"/tmp/seaweedfs-{flag.split('.')[0]}-grpc-{port}.sock").unlink(missing_ok=True)


# -- Iceberg REST catalog ---------------------------------------------------------------------------
@contextmanager
def rest_catalog_server(root: Path, s3: S3) -> Iterator[RestCatalog]:
    """Apache Iceberg's REST catalog test server (1.11.0, tools/iceberg-rest): a JDBC catalog in
    SQLite under ``root``, its warehouse ``s3://<bucket>/rest`` on ``s3`` through S3FileIO
    (path-style, the credentials from the server's AWS_* environment). The stock server listens
    on every interface; tools/iceberg-rest/LoopbackRESTCatalogServer.java binds it to 127.0.0.1."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    warehouse = f"s3://{s3.bucket}/rest"
    env = {
        **_base_env(root),
        # RESTCatalogServer reads CATALOG_* as catalog properties: CATALOG_A_B__C -> a.b-c.
        "CATALOG_URI": f"jdbc:sqlite:{root / 'catalog.db'}",
        "CATALOG_JDBC_SCHEMA__VERSION": "V1",
        "CATALOG_WAREHOUSE": warehouse,
        "CATALOG_IO__IMPL": "org.apache.iceberg.aws.s3.S3FileIO",
        "CATALOG_S3_ENDPOINT": s3.endpoint,
        "CATALOG_S3_PATH__STYLE__ACCESS": "true",
        "CATALOG_REST_PORT": str(port),
        "REST_HOST": LOOPBACK,
        "AWS_ACCESS_KEY_ID": s3.access_key,
        "AWS_SECRET_ACCESS_KEY": s3.secret_key,
        "AWS_REGION": s3.region,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    java = shutil.which("java") or "java"
    class_path = os.pathsep.join(str(p) for p in rest_catalog_class_path())
    # Source-file mode compiles the launcher in memory at each start (a second or two).
    argv = [java, "-Xmx512m", "-XX:+UseSerialGC", "-cp", class_path, str(REST_LAUNCHER)]
    supervisor = Supervisor(root / "logs")
    try:
        process = supervisor.start("iceberg-rest", argv, env, cwd=root)
        uri = f"http://{LOOPBACK}:{port}"
        wait_until(
            lambda: supervisor.alive("iceberg-rest") and _http_status(f"{uri}/v1/config") == 200,
            timeout=START_TIMEOUT,
            what="Iceberg REST catalog server",
            details=lambda: log_tail(supervisor.log("iceberg-rest")),
        )
        yield RestCatalog(uri, warehouse, process.pid, s3)
    finally:
        supervisor.stop_all()
