"""scripts/gen-values-docs.py: the helm-docs-style values table of the README."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.chart.conftest import ROOT

SCRIPT = ROOT / "scripts" / "gen-values-docs.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_values_docs", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False
    )


def test_readme_values_table_is_current() -> None:
    proc = run("--check", ROOT / "README.md")
    assert proc.returncode == 0, proc.stderr


SAMPLE = """\
# Section heading: not a description.

# -- Name override.
nameOverride: ""
image:
  # -- Image repository.
  repository: ghcr.io/x/y
  # -- Tag, with a pipe | in it.
  tag: "1.0"
# -- Labels on everything: a map documented as one row,
# with its description continued on a second line
#   and a third.
labels:
  team: data
undocumented:
  leaf: 3
  empty: {}
# -- (int) Explicit type.
# @default -- computed at install time
port: null
# A comment that is not a description
# -- The description after it wins.
nested:
  inner:
    # -- Deep key.
    deep: [1, 2]
"""


def test_rows(gen: ModuleType) -> None:
    rows = [(r.key, r.type, r.default, r.description) for r in gen.rows(SAMPLE)]
    assert rows == [
        ("nameOverride", "string", '`""`', "Name override."),
        ("image.repository", "string", '`"ghcr.io/x/y"`', "Image repository."),
        ("image.tag", "string", '`"1.0"`', "Tag, with a pipe | in it."),
        (
            "labels",
            "object",
            '`{"team":"data"}`',
            "Labels on everything: a map documented as one row, with its description continued on a second line and a third.",
        ),
        ("undocumented.leaf", "int", "`3`", ""),
        ("undocumented.empty", "object", "`{}`", ""),
        ("port", "int", "computed at install time", "Explicit type."),
        ("nested", "object", '`{"inner":{"deep":[1,2]}}`', "The description after it wins."),
    ]


def test_table_escapes_pipes(gen: ModuleType) -> None:
    table = gen.table(SAMPLE)
    assert table.splitlines()[:2] == [
        "| Key | Type | Default | Description |",
        "|-----|------|---------|-------------|",
    ]
    assert '| image.tag | string | `"1.0"` | Tag, with a pipe \\| in it. |' in table.splitlines()


def test_rewrite_and_check(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(SAMPLE, encoding="utf-8")
    target = tmp_path / "doc.md"
    target.write_text(
        "# Doc\n\nBefore.\n\n<!-- values-table:start -->\nold table\n<!-- values-table:end -->\n\nAfter.\n",
        encoding="utf-8",
    )
    assert run("--check", "--values", values, target).returncode == 1
    assert "old table" in target.read_text()
    proc = run("--values", values, target)
    assert proc.returncode == 0, proc.stderr
    text = target.read_text()
    assert text.startswith("# Doc\n\nBefore.\n\n<!-- values-table:start -->\n\n| Key |")
    assert text.endswith("|\n\n<!-- values-table:end -->\n\nAfter.\n")
    assert "old table" not in text
    assert run("--check", "--values", values, target).returncode == 0
    # Idempotent.
    assert run("--values", values, target).returncode == 0
    assert target.read_text() == text


def test_missing_markers(tmp_path: Path) -> None:
    target = tmp_path / "doc.md"
    target.write_text("# no markers\n", encoding="utf-8")
    proc = run(target)
    assert proc.returncode != 0
    assert "values-table:start" in proc.stderr


def test_every_values_key_is_documented(gen: ModuleType) -> None:
    """values.yaml documents every row of the table (no empty description)."""
    rows = gen.rows((ROOT / "values.yaml").read_text(encoding="utf-8"))
    assert [r.key for r in rows if not r.description] == []
