"""Where the pinned Iceberg/JDBC jars of ``jars.lock`` live, for a local Spark session."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from goldpipe.core.errors import GoldpipeError

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


def local_jars() -> list[Path]:
    """Paths of the ``local`` set; a clear error if ``scripts/fetch-jars.sh`` has not run."""
    directory = jar_dir()
    paths = [directory / j.filename for j in pinned_jars() if j.set == "local"]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise GoldpipeError(
            f"missing jar(s) {', '.join(missing)} in {directory}; run scripts/fetch-jars.sh (or make jars)"
        )
    return paths
