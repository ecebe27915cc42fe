"""JVM options of a local driver: a class-data sharing archive, and a JIT sized to the day.

A nightly run is a new JVM, and on a small day the JVM's own start-up is most of the run:
loading and verifying the classes of Spark and Iceberg, and compiling hot code twice (C1,
then C2). Two measured remedies (benchmarks/README.md):

- **Class-data sharing.** The first run dumps the classes it loaded into an archive
  (``-XX:ArchiveClassesAtExit``); later runs map it (``-XX:SharedArchiveFile``) instead of
  loading and verifying them again. The archive is only valid for the same JVM and class path,
  so its name is a digest of both; the JVM ignores an archive it cannot use (``-Xshare:auto``).
- **C1 only on a small day.** C2's compiler threads compete with the job for the cores and pay
  off only when there is enough data to run the compiled code on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

# Input rows (the day's silver facts) up to which a run counts as small: below it, C2's
# compilations cost more than they save (measured: benchmarks/README.md).
SMALL_DAY_ROWS = 200_000


def wants_native(setting: str, day_rows: int | None) -> bool:
    """Whether a run uses native execution (``goldpipe.core.native``): ``on`` always,
    ``auto`` above ``SMALL_DAY_ROWS`` (on a small day its start-up costs more than it saves;
    a day of unknown size keeps Spark alone), ``off`` never."""
    if setting == "on":
        return True
    return setting == "auto" and day_rows is not None and day_rows > SMALL_DAY_ROWS


DUMP_SETTLED_SECONDS = 60
UNUSED_ARCHIVE_DAYS = 14

# CDS reports every class it cannot archive on stdout; the CLI's output is on stdout too.
_QUIET_CDS = "-Xlog:cds=off -Xlog:cds+dynamic=off"


def java_binary() -> Path | None:
    """The java that spark-submit starts: ``$JAVA_HOME/bin/java``, else the one on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    found = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    return Path(found).resolve() if found and Path(found).is_file() else None


def _fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def spark_jars_dir() -> Path:
    """Where spark-submit's own class path comes from: the installed PySpark's ``jars``."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent / "jars"


def archive_key(java: Path, class_path: Sequence[Path]) -> str:
    """A digest of what a CDS archive depends on: the JVM (and its base archive), the class path.

    The JVM's own class path is Spark's ``jars`` directory, and the JVM refuses (silently, with
    ``-Xshare:auto``) an archive dumped with a class path at another place: two clones or
    virtualenvs with the same PySpark need an archive each.
    """
    import pyspark

    parts = [
        _fingerprint(java),
        f"pyspark {pyspark.__version__}",
        "jars on the driver's class path",  # before: spark.jars, whose archives lack Iceberg
        _fingerprint(spark_jars_dir()),
        *(_fingerprint(p) for p in class_path),
    ]
    base = java.parent.parent / "lib" / "server" / "classes.jsa"
    if base.is_file():
        parts.append(_fingerprint(base))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def class_data_sharing(archive_dir: Path, class_path: Sequence[Path]) -> str:
    """Options that use the driver's archive in ``archive_dir``, or create it on this run's exit.

    The JVM writes the archive as it exits, after this process has returned; two first runs at
    once must not write one file, so each writes its own ``.partial`` file and a later run
    adopts a finished one. While one is being written, other runs neither use nor write one.
    """
    java = java_binary()
    if java is None:
        return ""
    archive = archive_dir / f"driver-{archive_key(java, class_path)}.jsa"
    settled, fresh = _dumps(archive)
    if settled and not archive.is_file():
        # Another run starting now may adopt the same dump first: then the archive is there.
        with contextlib.suppress(FileNotFoundError):
            os.replace(settled.pop(), archive)
    for leftover in settled:
        leftover.unlink(missing_ok=True)
    _prune_unused(archive_dir, keep=archive)
    if archive.is_file():
        os.utime(archive)  # in use: see _prune_unused
        return f"-XX:SharedArchiveFile={archive} -Xshare:auto {_QUIET_CDS}"
    if fresh:
        return ""
    archive_dir.mkdir(parents=True, exist_ok=True)
    return f"-XX:ArchiveClassesAtExit={archive}.{os.getpid()}.partial {_QUIET_CDS}"


def _prune_unused(archive_dir: Path, keep: Path) -> None:
    """Delete the archives (and dumps) no run has used for ``UNUSED_ARCHIVE_DAYS``: each is
    ~190 MB, and one per JVM, Spark installation and class path; an unused one belongs to an
    installation that was upgraded or removed (a clone, a CI checkout)."""
    cutoff = time.time() - UNUSED_ARCHIVE_DAYS * 86_400
    for old, modified in _mtimes(archive_dir, "driver-*.jsa*").items():
        if not old.name.startswith(keep.name) and modified < cutoff:
            old.unlink(missing_ok=True)


def _dumps(archive: Path) -> tuple[list[Path], list[Path]]:
    """The dumps of ``archive``: (settled, oldest first; still being written). A dump takes
    seconds; one untouched for a minute is finished (or was cut off, in which case the JVM
    finds it unusable and -Xshare:auto runs without it)."""
    dumps = _mtimes(archive.parent, f"{archive.name}.*.partial")
    oldest_first = sorted(dumps, key=dumps.__getitem__)
    settled = [d for d in oldest_first if time.time() - dumps[d] > DUMP_SETTLED_SECONDS]
    return settled, [d for d in oldest_first if d not in settled]


def _mtimes(directory: Path, pattern: str) -> dict[Path, float]:
    """The files of ``directory`` matching ``pattern`` and when each was last modified; a file
    that another run renames or deletes meanwhile is left out rather than failing this run."""
    found = {}
    for path in directory.glob(pattern):
        with contextlib.suppress(FileNotFoundError):
            found[path] = path.stat().st_mtime
    return found


def jit_options(day_rows: int | None) -> str:
    """C1 only for a small day (``day_rows`` known and at most ``SMALL_DAY_ROWS``)."""
    return "-XX:TieredStopAtLevel=1" if day_rows is not None and day_rows <= SMALL_DAY_ROWS else ""
