"""docs/values.md: helm-docs' table of the `# --` comments of values.yaml, current and complete."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import ROOT
from tests.conftest import require

HELM_DOCS = ROOT / ".tools" / "bin" / "helm-docs"
VALUES_MD = ROOT / "docs" / "values.md"
# The arguments of `make docs`, read from the Makefile so the test runs what the docs run.
_MAKE_DOCS = re.search(
    r"^docs:.*\n(?:\t.*\n)*?\t(?P<command>\S*helm-docs .*)$", (ROOT / "Makefile").read_text(), re.M
)


def helm_docs(*extra: str) -> subprocess.CompletedProcess[str]:
    require("helm", HELM_DOCS.is_file(), "no helm-docs: run scripts/install-tools.sh chart")
    assert _MAKE_DOCS, "the Makefile's docs target no longer runs helm-docs"
    args = _MAKE_DOCS.group("command").split()[1:]
    return subprocess.run(
        [str(HELM_DOCS), *args, *extra], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )


def rows() -> dict[str, str]:
    """Key -> description of every row of docs/values.md."""
    table = {}
    for line in VALUES_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) == 4 and cells[0] not in ("Key", "-----"):
            table[cells[0]] = cells[3]
    return table


def leaves(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from leaves(value, f"{path}.")
        else:
            yield path


def test_values_md_is_what_helm_docs_writes_today() -> None:
    result = helm_docs("--dry-run", "--log-level", "error")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == VALUES_MD.read_text(encoding="utf-8").strip(), (
        "docs/values.md is stale: run `make docs`"
    )


def test_every_value_has_a_row_with_a_description() -> None:
    table = rows()
    assert "image.tag" in table  # not vacuous: the table was read
    assert [key for key, description in table.items() if not description] == []
    values = yaml.safe_load((ROOT / "values.yaml").read_text(encoding="utf-8"))
    # A leaf is documented by its own row or by the row of a map above it.
    undocumented = [
        leaf for leaf in leaves(values) if not any(leaf == key or leaf.startswith(f"{key}.") for key in table)
    ]
    assert undocumented == []


@pytest.mark.parametrize("comment", ["# -- A documented port.", "# plain comment, no description"])
def test_helm_docs_reads_the_description_comments(tmp_path: Path, comment: str) -> None:
    """The convention the table relies on: `# --` documents the key below it, `#` does not."""
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: sample\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text(f"{comment}\nport: 8080\n")
    (tmp_path / "t.gotmpl").write_text('{{ template "chart.valuesTable" . }}\n')
    require("helm", HELM_DOCS.is_file(), "no helm-docs: run scripts/install-tools.sh chart")
    result = subprocess.run(
        [str(HELM_DOCS), "-c", str(tmp_path), "-t", "t.gotmpl", "--dry-run", "--log-level", "error"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    expected = "A documented port." if comment.startswith("# --") else ""
    assert f"| port | int | `8080` | {expected} |" in result.stdout
