"""The images `make images` built (scripts/build-images.sh, before the tests run): their OCI
archives read back, the configuration each image runs with and the files a pod needs readable.
Nothing is trusted from the Dockerfile here: this is what the build made."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from localcluster.layout import IMAGES_CACHE
from tests.conftest import require

TAG = "0.1.0"
NAMES = {
    "base": f"ghcr.io/goldpipe/goldpipe-base:{TAG}",
    "spark": f"ghcr.io/goldpipe/goldpipe-spark:{TAG}",
    "controller": f"ghcr.io/goldpipe/goldpipe-controller:{TAG}",
    "operator": f"ghcr.io/goldpipe/goldpipe-spark-operator:{TAG}",
}


class Archive:
    """An OCI image archive: its index, manifest, configuration and layers."""

    def __init__(self, path: Path) -> None:
        self.tar = tarfile.open(path)  # noqa: SIM115 (kept open for the module's tests)
        self.index = self.json("index.json")
        [descriptor] = self.index["manifests"]
        self.name = descriptor["annotations"]["org.opencontainers.image.ref.name"]
        self.manifest = self.json(self.blob(descriptor["digest"]))
        self.config: dict[str, Any] = self.json(self.blob(self.manifest["config"]["digest"]))

    @staticmethod
    def blob(digest: str) -> str:
        return "blobs/" + digest.replace(":", "/")

    def json(self, member: str) -> Any:
        file = self.tar.extractfile(member)
        assert file is not None, member
        return json.load(file)

    def layer_of(self, created_by: str) -> tarfile.TarFile:
        """The layer an instruction made, found by its history entry (buildah records a COPY as
        `COPY file:<digest> in <destination>`; entries without a layer skipped)."""
        history = [h for h in self.config["history"] if not h.get("empty_layer")]
        [index] = [i for i, h in enumerate(history) if created_by in h.get("created_by", "")]
        file = self.tar.extractfile(self.blob(self.manifest["layers"][index]["digest"]))
        assert file is not None
        data = file.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return tarfile.open(fileobj=io.BytesIO(data))


@pytest.fixture(scope="module", params=sorted(NAMES))
def archive(request: pytest.FixtureRequest) -> Archive:
    path = IMAGES_CACHE / f"{request.param}.oci.tar"
    require("images", path.exists(), f"no {path}: run make images (make test does)")
    return Archive(path)


def _spark() -> Archive:
    path = IMAGES_CACHE / "spark.oci.tar"
    require("images", path.exists(), f"no {path}: run make images (make test does)")
    return Archive(path)


def test_each_archive_holds_its_image_under_the_charts_name(archive: Archive) -> None:
    assert archive.name in NAMES.values()
    assert archive.config["os"] == "linux"


def test_each_image_runs_as_185_with_tini_as_pid_1(archive: Archive) -> None:
    config = archive.config["config"]
    assert config["User"] == "185:185"
    if archive.name != NAMES["base"]:
        assert config["Entrypoint"][0] == "/usr/bin/tini"


def test_the_spark_images_jars_are_readable_by_its_user() -> None:
    """A jar the JVM cannot read drops off the class path without a word: the node tier met
    Iceberg's catalog class missing from jars copied with mode 0600."""
    layer = _spark().layer_of("in ${SPARK_HOME}/jars")
    jars = [m for m in layer.getmembers() if m.name.endswith(".jar")]
    names = {Path(m.name).name.rsplit("-", 1)[0] for m in jars}
    assert {"iceberg-spark-runtime-4.1_2.13", "sqlite-jdbc", "postgresql", "iceberg-aws-bundle"} <= names
    for member in jars:
        assert member.mode & 0o004, f"{member.name} mode {oct(member.mode)}"


def test_the_spark_entrypoint_is_executable_by_its_user() -> None:
    layer = _spark().layer_of("in /opt/goldpipe/entrypoint.sh")
    [member] = [m for m in layer.getmembers() if m.name.endswith("opt/goldpipe/entrypoint.sh")]
    assert member.mode & 0o005 == 0o005


def test_the_spark_image_environment() -> None:
    env = dict(e.split("=", 1) for e in _spark().config["config"]["Env"])
    assert env["SPARK_HOME"] == "/opt/venv/lib/python3.11/site-packages/pyspark"
    assert env["SPARK_CONF_DIR"] == "/opt/spark/conf"
    assert env["HOME"] == "/tmp"
    assert env["JAVA_HOME"] == "/usr/lib/jvm/java-17"
