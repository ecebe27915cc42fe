"""Validation of rendered manifests against the Spark Operator CRDs (of the pinned operator module,
installed by scripts/install-tools.sh), with unknown fields refused."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from goldpipe.core.errors import ConfigError
from goldpipe.deploy.values import find_chart_dir
from goldpipe.deploy.vocabulary import API_VERSION, SPARK_OPERATOR_VERSION


def crds_dir() -> Path | None:
    """Where the Spark Operator CRDs are: ``$GOLDPIPE_CRDS_DIR`` (the controller image), else the
    checkout's ``.tools/crds``, else the tools cache of ``scripts/install-tools.sh``
    (``~/.cache/goldpipe/tools/spark-operator-<version>/crds``). None when there are none.

    A ``$GOLDPIPE_CRDS_DIR`` without CRD files is a mistake, not "no CRDs": ``ConfigError``."""
    explicit = os.environ.get("GOLDPIPE_CRDS_DIR")
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise ConfigError(
                f"GOLDPIPE_CRDS_DIR {explicit!r} is not a directory: point it at the Spark Operator's "
                "CRD files, or unset it to use those of scripts/install-tools.sh control-plane"
            )
        if not any(path.glob("*.yaml")):
            raise ConfigError(f"GOLDPIPE_CRDS_DIR {explicit!r} holds no CRD files (*.yaml)")
        return path
    candidates = []
    chart = find_chart_dir()
    if chart is not None:
        candidates.append(chart / ".tools" / "crds")
    cache = os.environ.get("GOLDPIPE_TOOLS_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "goldpipe" / "tools"
    )
    candidates.append(Path(cache) / f"spark-operator-v{SPARK_OPERATOR_VERSION}" / "crds")
    return next((c for c in candidates if any(c.glob("*.yaml"))), None)


NO_CRDS = (
    "not validated against the Spark Operator CRDs: none found (run scripts/install-tools.sh "
    "control-plane, or set GOLDPIPE_CRDS_DIR to a directory of the operator's CRD files)"
)


def strict_schema(schema: Any) -> Any:
    """The CRD schema with unknown fields rejected (the API server would silently prune them)."""
    if isinstance(schema, dict):
        out = {k: strict_schema(v) for k, v in schema.items()}
        if (
            out.get("type") == "object"
            and "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict_schema(v) for v in schema]
    return schema


@cache
def crd_schemas(directory: str) -> dict[str, dict[str, Any]]:
    """``kind -> strict v1beta2 openAPIV3Schema`` of every CRD file in ``directory``."""
    schemas = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        crd = yaml.safe_load(path.read_text(encoding="utf-8"))
        kind = crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version["name"] == "v1beta2":
                schemas[kind] = strict_schema(version["schema"]["openAPIV3Schema"])
    return schemas


def manifest_errors(doc: Mapping[str, Any], directory: Path | None = None) -> list[str]:
    import jsonschema

    directory = directory or crds_dir()
    if directory is None:
        raise ConfigError(f"cannot validate: {NO_CRDS}")
    schemas = crd_schemas(str(directory))
    kind = doc.get("kind")
    if doc.get("apiVersion") != API_VERSION or kind not in schemas:
        found = f"{doc.get('apiVersion')}/{kind}"
        return [f"not a {API_VERSION} SparkApplication or ScheduledSparkApplication: {found}"]
    validator = jsonschema.Draft7Validator(schemas[str(kind)])
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def validate_manifest(doc: Mapping[str, Any], directory: Path | None = None) -> None:
    """Raise ``ConfigError`` listing every CRD violation of ``doc``.

    Without CRDs on disk the API server's own validation of the CRD schema is the only check:
    callers that promise validation say so (``NO_CRDS``), this function does not fail.
    """
    if directory is None and crds_dir() is None:
        return
    errors = manifest_errors(doc, directory)
    if errors:
        name = doc.get("metadata", {}).get("name")
        raise ConfigError(
            f"{doc.get('kind')} {name} does not match the Spark Operator CRD:\n  " + "\n  ".join(errors)
        )
