"""The layering contract of pyproject.toml's [tool.importlinter], enforced where CI looks."""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CODE_PACKAGES = ("goldpipe", "spark_apps", "localcluster")


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


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The repository's modules a module imports, annotations-only imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from package import module` imports the module; `from module import name`, the module.
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
    return found & modules - {_module(path)}


def test_no_modules_import_each_other_in_a_circle() -> None:
    """Even through `if TYPE_CHECKING:` (which lint-imports leaves out): a circle means the
    modules are one piece of code split in two (issue 21: seed's arrow -> day -> dimensions)."""
    paths = [p for package in CODE_PACKAGES for p in (ROOT / package).rglob("*.py")]
    modules = {_module(p) for p in paths}
    graph = {_module(p): _imports(p, modules) for p in paths}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        raise AssertionError(f"an import circle: {' -> '.join(error.args[1])}") from None


def test_no_module_imports_another_modules_private_names() -> None:
    """An underscore says "only this module uses it": a name another module needs is public, in
    the module that owns it (issue 21, finding 5: seed's modules shared _rng, _DayContext, ...)."""
    found = []
    for package in CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom):
                    continue
                # Dunders (__version__) are public; a relative import is always of our own code.
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.endswith("__")]
                if private and (node.level or str(node.module).split(".")[0] in CODE_PACKAGES):
                    found.append(
                        f"{path.relative_to(ROOT)}:{node.lineno}: {node.module} {', '.join(private)}"
                    )
    assert found == []
