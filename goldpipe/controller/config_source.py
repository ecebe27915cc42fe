"""The controller's input: the directory where the chart's ConfigMap is mounted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goldpipe.core.errors import ConfigError
from goldpipe.deploy.release import release_from_mapping
from goldpipe.deploy.settings import Settings, pipeline_settings
from goldpipe.deploy.values import read_yaml_mapping


@dataclass(frozen=True)
class LoadedConfig:
    settings: Settings
    templates: Path
    digest: str


def config_digest(directory: Path) -> str:
    """A hash of every file's name and content: changes when the ConfigMap's content changes.

    Kubernetes swaps a mounted ConfigMap atomically (through the ``..data`` symlink), so
    reading the visible files gives one consistent version.
    """
    sha = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("..")):
        sha.update(path.name.encode())
        sha.update(b"\0")
        sha.update(path.read_bytes())
        sha.update(b"\0")
    return sha.hexdigest()


def load_config_dir(directory: Path) -> LoadedConfig:
    """Values, release facts and templates, validated; ``ConfigError`` says what is wrong."""
    if not directory.is_dir():
        raise ConfigError(f"config directory {directory} does not exist")
    digest = config_digest(directory)
    for required in ("values.yaml", "release.yaml"):
        if not (directory / required).is_file():
            raise ConfigError(f"{directory / required} is missing")
    values: dict[str, Any] = read_yaml_mapping(directory / "values.yaml")
    release = release_from_mapping(read_yaml_mapping(directory / "release.yaml"))
    settings = pipeline_settings(values, release)
    templates = directory if any(directory.glob("*.j2")) else _fallback_templates()
    return LoadedConfig(settings=settings, templates=templates, digest=digest)


def _fallback_templates() -> Path:
    from goldpipe.deploy.render.manifests import templates_dir

    return templates_dir()
