"""The layering contract of pyproject.toml's [tool.importlinter], enforced where CI looks."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def test_every_layering_contract_is_kept() -> None:
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_the_layers_are_the_packages_of_the_tree() -> None:
    """Every subpackage of goldpipe is in the layers contract, and every layer is a package."""
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    named = {name.strip() for layer in layers["layers"] for name in str(layer).split("|")}
    packages = {p.parent.name for p in (ROOT / "goldpipe").glob("*/__init__.py")}
    assert named == packages
    assert not [p.name for p in (ROOT / "goldpipe").glob("*.py") if p.name != "__init__.py"], (
        "modules belong in a layer's package"
    )
