"""The tests mirror the package and stay readable (issue 21, finding 5): a file of tests is under
600 lines, the tests of a package of goldpipe are in the directory of that name under
tests/goldpipe/, and what several test files share
is support code in tests/support/, not imported from another test module."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = sorted((ROOT / "tests").rglob("*.py"))
MAX_LINES = 600


def test_test_files_are_under_600_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in TESTS
        if (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_LINES
    }
    assert long == {}


def test_goldpipes_tests_are_in_the_directory_of_their_package() -> None:
    packages = {p.parent.name for p in (ROOT / "goldpipe").glob("*/__init__.py")}
    tests = ROOT / "tests" / "goldpipe"
    assert [p.name for p in tests.glob("test_*.py")] == [], "tests/goldpipe/X/ holds the tests of goldpipe/X/"
    assert {p.parent.name for p in tests.glob("*/__init__.py")} <= packages


def test_no_test_module_imports_another() -> None:
    """A test module imported elsewhere runs its tests twice and hides support code."""
    found = set()
    for path in TESTS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
                if any(
                    name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
                    for name in names
                ):
                    found.add(str(path.relative_to(ROOT)))
    assert sorted(found) == [], "move what they share to tests/support/"


def test_the_repository_tracks_no_symbolic_link() -> None:
    """A committed link to a local directory (a worktree's `.tools` pointing at another checkout)
    breaks every fresh clone: `make setup` cannot create the directory the link stands in for."""
    staged = subprocess.run(
        ["git", "ls-files", "--stage"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    links = [line.split("\t", 1)[1] for line in staged if line.startswith("120000 ")]
    assert links == []
