"""Every file path and module that the docs, comments, docstrings, values.yaml, the chart's
comments and the schema's descriptions name exists (issue 21, finding 4; the rules are in
tests/support/references.py)."""

from __future__ import annotations

import pytest

from tests.support.references import Reference, dangling, exists, references, sources

# Names that look like the repository's but are not files or modules of it. Keep it short: a
# name goes here only when it can never be a file of this repository.
ALLOWED = frozenset(
    {
        # An image repository (values.yaml's spark-operator.image.repository), not a directory.
        "goldpipe/goldpipe-spark-operator",
        # A directory of the Go module tools/spark-operator/go.mod pins, not of this repository.
        "charts/spark-operator-chart",
    }
)


@pytest.mark.parametrize("source", sources())
def test_every_named_path_and_module_exists(source: str) -> None:
    assert [str(ref) for ref in dangling(source, allowed=ALLOWED)] == []


def test_the_allow_list_holds_only_names_still_used() -> None:
    named = {ref.name.rstrip("/") for source in sources() for ref in references(source)}
    assert sorted(ALLOWED - named) == []


@pytest.mark.parametrize(
    ("source", "text", "names"),
    [
        (
            "docs/x.md",
            "See `goldpipe/checks/nowhere.py` and DATA_CONTRACT.md.",
            ["goldpipe/checks/nowhere.py", "DATA_CONTRACT.md"],
        ),
        (
            "docs/x.md",
            "Run scripts/gen-values-docs.py; tests live in tests/nowhere/.",
            ["scripts/gen-values-docs.py", "tests/nowhere/"],
        ),
        (
            "docs/x.md",
            "goldpipe.contract.JOB_NAMES and goldpipe.checks.rules.no_such_name",
            ["goldpipe.contract.JOB_NAMES", "goldpipe.checks.rules.no_such_name"],
        ),
        (
            "goldpipe/x.py",
            '"""Reads day.py."""\nx = "docs/nowhere.md"  # see arrow.py, nowhere.py\n',
            ["nowhere.py"],
        ),
        (
            "templates/_x.tpl",
            '{{/* goldpipe.deploy.nowhere */}}\n{{- define "goldpipe.x" -}}',
            ["goldpipe.deploy.nowhere"],
        ),
        (
            "values.yaml",
            "# -- Built from images/nowhere/Dockerfile.\nfile: local:///opt/goldpipe/x.py\n",
            ["images/nowhere/Dockerfile"],
        ),
        (".helmignore", "/DATA_CONTRACT.md\n*.py\n/docs/\n", ["DATA_CONTRACT.md"]),
    ],
)
def test_the_scanner_finds_dangling_names(source: str, text: str, names: list[str]) -> None:
    assert [ref.name for ref in dangling(source, text)] == names


@pytest.mark.parametrize(
    "name",
    [
        "goldpipe/checks/rules.py",
        "tests/support/",
        "docs/data-contract.md",
        "goldpipe.checks.rules",
        "goldpipe.core.contract.JOB_NAMES",
        "goldpipe.fullname",  # a named template of the chart
        "spark_apps/session.SMALL_DAY_CONF",
    ],
)
def test_the_scanner_resolves_names_that_exist(name: str) -> None:
    assert exists(Reference("README.md", 1, name))
