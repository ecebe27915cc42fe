"""Images of the node's containerd, which pulls nothing: each is imported from an OCI archive.

- the sandbox ("pause") image: Debian's static catatonit in pause mode, FROM scratch, built
  here with buildah (no registry to pull registry.k8s.io/pause from);
- goldpipe's images: the archives `make images` saves (scripts/build-images.sh).

An archive is imported only when containerd lacks its manifest, so a warm cache costs seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from localcluster.configs import PAUSE_IMAGE
from localcluster.layout import IMAGES_CACHE, Layout, binary

# The archives of scripts/build-images.sh, as the cluster imports them.
GOLDPIPE_IMAGES = ("spark", "controller", "operator")
CATATONIT = Path("/usr/bin/catatonit")


def ctr(layout: Layout, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [binary("ctr"), "--address", str(layout.containerd_socket), "--namespace", "k8s.io", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ctr {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


def archive_manifests(archive: Path) -> dict[str, str]:
    """The image names of an OCI archive and the digests of their manifests."""
    with tarfile.open(archive) as tar:
        member = tar.extractfile("index.json")
        assert member is not None, f"{archive} has no index.json"
        index = json.load(member)
    names = {}
    for manifest in index.get("manifests", []):
        name = (manifest.get("annotations") or {}).get("org.opencontainers.image.ref.name")
        if name:
            names[name] = manifest["digest"]
    return names


def imported(layout: Layout) -> dict[str, str]:
    """The images containerd has: name -> manifest (or index) digest."""
    lines = ctr(layout, "images", "ls").stdout.splitlines()[1:]
    return {line.split()[0]: line.split()[2] for line in lines if line.strip()}


def import_archive(layout: Layout, archive: Path) -> list[str]:
    """Import ``archive`` unless containerd has each of its images already; the names imported."""
    have = imported(layout)
    wanted = archive_manifests(archive)
    if wanted and all(have.get(name) == digest for name, digest in wanted.items()):
        return []
    ctr(layout, "images", "import", str(archive))
    # The versions these names had: the CRI's references to them by ID go too, so containerd's
    # garbage collection frees their layers (the cache would grow by an image per rebuild).
    replaced = {have[name] for name, digest in wanted.items() if name in have and have[name] != digest}
    stale = [
        ref for ref, digest in imported(layout).items() if ref.startswith("sha256:") and digest in replaced
    ]
    if stale:
        ctr(layout, "images", "rm", *stale)
    return sorted(wanted)


def pause_archive() -> Path:
    """The sandbox image's archive, built once from the installed catatonit."""
    archive = IMAGES_CACHE / "pause-catatonit.oci.tar"
    if archive.exists():
        return archive
    if not CATATONIT.is_file():
        raise RuntimeError(f"{CATATONIT} not found: run scripts/install-packages.sh node")
    buildah = shutil.which("buildah")
    if buildah is None:
        raise RuntimeError("buildah not found: run scripts/install-packages.sh images")
    IMAGES_CACHE.mkdir(parents=True, exist_ok=True)
    storage = ["--root", str(IMAGES_CACHE / "storage"), "--runroot", str(IMAGES_CACHE / "run")]

    def bah(*args: str) -> str:
        return subprocess.run(
            [buildah, *storage, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    container = bah("from", "--quiet", "scratch")
    try:
        bah("copy", container, str(CATATONIT), "/pause")
        bah("config", "--entrypoint", '["/pause", "-P"]', "--user", "65535:65535", container)
        bah("commit", "--quiet", container, PAUSE_IMAGE)
    finally:
        bah("rm", container)
    with tempfile.TemporaryDirectory(dir=IMAGES_CACHE) as tmp:
        partial = Path(tmp) / archive.name
        bah("push", "--quiet", PAUSE_IMAGE, f"oci-archive:{partial}:{PAUSE_IMAGE}")
        os.replace(partial, archive)
    return archive


def goldpipe_archives() -> list[Path]:
    """The archives of `make images`; an error naming the missing ones."""
    archives = [IMAGES_CACHE / f"{name}.oci.tar" for name in GOLDPIPE_IMAGES]
    missing = [a.name for a in archives if not a.exists()]
    if missing:
        raise RuntimeError(
            f"no image archive {', '.join(missing)} in {IMAGES_CACHE}: run 'make images' first"
        )
    return archives
