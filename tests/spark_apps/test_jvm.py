"""spark_apps.jvm: the driver's JVM options (no JVM started here; the benchmarks measure them)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from spark_apps import jvm


@pytest.fixture
def java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    (home / "lib" / "server").mkdir(parents=True)
    (home / "bin" / "java").write_text("#!/bin/sh\n")
    monkeypatch.setenv("JAVA_HOME", str(home))
    return home / "bin" / "java"


def test_the_first_run_creates_the_archive_and_later_runs_use_it(java: Path, tmp_path: Path) -> None:
    jars = [tmp_path / "iceberg.jar"]
    jars[0].write_bytes(b"x")
    first = jvm.class_data_sharing(tmp_path / "cds", jars)
    assert first.startswith("-XX:ArchiveClassesAtExit=")
    dump = Path(first.split()[0].split("=", 1)[1])
    assert dump.parent == tmp_path / "cds" and dump.parent.is_dir()
    assert dump.name.endswith(f".{os.getpid()}.partial")  # its own file: first runs at once never share one
    dump.write_bytes(b"archive")  # what the JVM leaves as it exits
    # Still being written, as far as anyone can tell: the next run neither uses it nor writes
    # another (first runs in a row would each leave ~180 MB behind).
    assert jvm.class_data_sharing(tmp_path / "cds", jars) == ""
    settled = time.time() - jvm.DUMP_SETTLED_SECONDS - 1
    os.utime(dump, (settled, settled))
    later = jvm.class_data_sharing(tmp_path / "cds", jars)
    archive = dump.with_name(dump.name.split(".")[0] + ".jsa")
    assert later.startswith(f"-XX:SharedArchiveFile={archive} -Xshare:auto")
    assert archive.read_bytes() == b"archive" and not dump.exists()
    # CDS must never write to stdout, where the CLI prints its results.
    assert "-Xlog:cds=off" in first and "-Xlog:cds=off" in later


def test_the_archive_follows_the_class_path_and_the_jvm(java: Path, tmp_path: Path) -> None:
    jar = tmp_path / "iceberg.jar"
    jar.write_bytes(b"x")
    key = jvm.archive_key(java, [jar])
    assert jvm.archive_key(java, [jar]) == key
    jar.write_bytes(b"a newer jar")
    assert jvm.archive_key(java, [jar]) != key
    newer = jvm.archive_key(java, [jar])
    (java.parent.parent / "lib" / "server" / "classes.jsa").write_bytes(b"base archive")
    assert jvm.archive_key(java, [jar]) != newer


def test_each_spark_installation_has_its_own_archive(
    java: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The JVM refuses an archive dumped with Spark's jars at another path (another clone or
    # virtualenv with the same PySpark): seen as CDS silently off, session start 3.3 s -> 5 s.
    for clone in ("a", "b"):
        (tmp_path / clone / "jars").mkdir(parents=True)
    monkeypatch.setattr(jvm, "spark_jars_dir", lambda: tmp_path / "a" / "jars")
    first = jvm.archive_key(java, [])
    monkeypatch.setattr(jvm, "spark_jars_dir", lambda: tmp_path / "b" / "jars")
    assert jvm.archive_key(java, []) != first


def test_no_java_no_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nowhere"))
    assert jvm.class_data_sharing(tmp_path / "cds", []) == ""


@pytest.mark.parametrize(
    ("rows", "options"),
    [
        (None, ""),
        (0, "-XX:TieredStopAtLevel=1"),
        (jvm.SMALL_DAY_ROWS, "-XX:TieredStopAtLevel=1"),
        (jvm.SMALL_DAY_ROWS + 1, ""),
    ],
)
def test_c1_only_on_a_small_day(rows: int | None, options: str) -> None:
    assert jvm.jit_options(rows) == options


@pytest.mark.parametrize(
    ("setting", "rows", "native"),
    [
        ("auto", None, False),  # size unknown: Spark alone
        ("auto", jvm.SMALL_DAY_ROWS, False),
        ("auto", jvm.SMALL_DAY_ROWS + 1, True),
        ("on", 10, True),
        ("off", 10**9, False),
    ],
)
def test_native_execution_on_a_large_day_or_when_asked(setting: str, rows: int | None, native: bool) -> None:
    assert jvm.wants_native(setting, rows) is native


def test_leftover_dumps_are_removed(java: Path, tmp_path: Path) -> None:
    jars = [tmp_path / "iceberg.jar"]
    jars[0].write_bytes(b"x")
    dump = Path(jvm.class_data_sharing(tmp_path / "cds", jars).split()[0].split("=", 1)[1])
    archive = dump.with_name(dump.name.split(".")[0] + ".jsa")
    settled = time.time() - jvm.DUMP_SETTLED_SECONDS - 1
    older, newer = dump.with_name(f"{archive.name}.1.partial"), dump.with_name(f"{archive.name}.2.partial")
    for age, path in ((settled - 10, older), (settled, newer)):
        path.write_bytes(path.name.encode())
        os.utime(path, (age, age))
    assert jvm.class_data_sharing(tmp_path / "cds", jars).startswith("-XX:SharedArchiveFile=")
    assert archive.read_bytes() == newer.name.encode()
    assert sorted(p.name for p in archive.parent.iterdir()) == [archive.name]


def test_archives_no_run_uses_are_removed(java: Path, tmp_path: Path) -> None:
    jar = tmp_path / "iceberg.jar"
    jar.write_bytes(b"x")
    cds = tmp_path / "cds"
    cds.mkdir()
    current = cds / f"driver-{jvm.archive_key(java, [jar])}.jsa"
    gone, recent = cds / "driver-0000000000000000.jsa", cds / "driver-1111111111111111.jsa"
    for archive in (current, gone, recent):
        archive.write_bytes(b"archive")
    unused = time.time() - jvm.UNUSED_ARCHIVE_DAYS * 86_400 - 60
    for archive in (current, gone):
        os.utime(archive, (unused, unused))
    assert jvm.class_data_sharing(cds, [jar]).startswith(f"-XX:SharedArchiveFile={current}")
    # The one this run maps is used again (its clock restarts); another clone's is kept while
    # in use; one nobody mapped for UNUSED_ARCHIVE_DAYS goes.
    assert current.stat().st_mtime > unused + 60
    assert recent.exists() and not gone.exists()


def test_a_dump_another_run_adopts_first_is_used_all_the_same(
    java: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two runs start at once after a dump has settled; the other one renames it first.
    jar = tmp_path / "iceberg.jar"
    jar.write_bytes(b"x")
    cds = tmp_path / "cds"
    cds.mkdir()
    archive = cds / f"driver-{jvm.archive_key(java, [jar])}.jsa"
    dump = archive.with_name(f"{archive.name}.1.partial")
    dump.write_bytes(b"archive")
    settled = time.time() - jvm.DUMP_SETTLED_SECONDS - 1
    os.utime(dump, (settled, settled))
    real_replace = os.replace

    def adopted_by_another_run(source: Path, target: Path) -> None:
        real_replace(source, target)
        raise FileNotFoundError(source)

    monkeypatch.setattr(jvm.os, "replace", adopted_by_another_run)
    assert jvm.class_data_sharing(cds, [jar]).startswith(f"-XX:SharedArchiveFile={archive}")


def test_files_that_vanish_while_listed_are_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept, gone = tmp_path / "driver-a.jsa", tmp_path / "driver-b.jsa"
    kept.write_bytes(b"a")
    monkeypatch.setattr(Path, "glob", lambda _self, _pattern: iter([kept, gone]))
    assert list(jvm._mtimes(tmp_path, "driver-*.jsa*")) == [kept]
