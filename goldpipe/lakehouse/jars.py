"""Where the pinned Iceberg/JDBC jars of ``jars.lock`` live, for a local Spark session."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from goldpipe.core.errors import GoldpipeError
from goldpipe.lakehouse.config import CatalogConfig

LOCK_FILE = Path(__file__).with_name("jars.lock")


@dataclass(frozen=True)
class PinnedJar:
    set: str
    group: str
    artifact: str
    version: str
    sha1: str

    @property
    def filename(self) -> str:
        return f"{self.artifact}-{self.version}.jar"


def pinned_jars(lock: Path = LOCK_FILE) -> list[PinnedJar]:
    jars = []
    for line in lock.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        set_, coord, sha1 = line.split()
        group, artifact, version = coord.split(":")
        jars.append(PinnedJar(set_, group, artifact, version, sha1))
    return jars


def _cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "goldpipe"


def jar_dir() -> Path:
    if os.environ.get("GOLDPIPE_JARS"):
        return Path(os.environ["GOLDPIPE_JARS"])
    return _cache() / "jars"


def cds_dir() -> Path | None:
    """Where local runs keep the driver JVM's class-data sharing archive (``spark_apps.jvm``);
    None when ``GOLDPIPE_SPARK_CDS=off``."""
    if os.environ.get("GOLDPIPE_SPARK_CDS", "on").lower() in {"off", "0", "false", "no"}:
        return None
    return _cache() / "cds"


NATIVE_SETTINGS = ("auto", "on", "off")


def native_setting() -> str:
    """``GOLDPIPE_SPARK_NATIVE``: ``auto`` (the default: native execution on a large day), ``on``
    (every day) or ``off``."""
    setting = os.environ.get("GOLDPIPE_SPARK_NATIVE", "auto").lower()
    if setting not in NATIVE_SETTINGS:
        allowed = ", ".join(NATIVE_SETTINGS)
        raise GoldpipeError(f"GOLDPIPE_SPARK_NATIVE must be one of {allowed}, not {setting!r}")
    return setting


def native_jar() -> Path | None:
    """The jar of native execution (the ``native`` set: Apache DataFusion Comet) when it has been
    fetched; None otherwise (Spark runs alone)."""
    jar = next((j for j in pinned_jars() if j.set == "native"), None)
    path = None if jar is None else jar_dir() / jar.filename
    return path if path is not None and path.is_file() else None


# The "cluster" jars a catalog needs beside the "local" set, by artifact: the PostgreSQL driver
# for a JDBC catalog on PostgreSQL, the AWS bundle (S3FileIO) for a warehouse on S3.
POSTGRESQL_DRIVER = "postgresql"
AWS_BUNDLE = "iceberg-aws-bundle"


def needs_s3(cfg: CatalogConfig) -> bool:
    """Whether the catalog's files are (or may be, for a REST catalog whose server decides) on S3."""
    io_impl = cfg.properties.get("io-impl", "")
    return (
        cfg.warehouse.startswith(("s3://", "s3a://"))
        or io_impl.endswith("S3FileIO")
        or any(key.startswith("s3.") for key in cfg.properties)
    )


def _needed(jar: PinnedJar, cfg: CatalogConfig | None) -> bool:
    if jar.set == "local":
        return True
    if cfg is None:
        return False
    if jar.artifact == POSTGRESQL_DRIVER:
        return cfg.uri.startswith("jdbc:postgresql:")
    if jar.artifact == AWS_BUNDLE:
        return needs_s3(cfg)
    return False


def local_jars(cfg: CatalogConfig | None = None) -> list[Path]:
    """Paths of the ``local`` set, plus the ``cluster`` jars that ``cfg`` needs (a PostgreSQL
    catalog, an S3 warehouse); a clear error if ``scripts/fetch-jars.sh`` has not fetched them."""
    directory = jar_dir()
    needed = [j for j in pinned_jars() if _needed(j, cfg)]
    paths = [directory / j.filename for j in needed]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        cluster = any(j.set != "local" for j in needed)
        fetch = "scripts/fetch-jars.sh --all" if cluster else "scripts/fetch-jars.sh"
        raise GoldpipeError(f"missing jar(s) {', '.join(missing)} in {directory}; run {fetch} (or make jars)")
    return paths
