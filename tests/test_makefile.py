"""The Makefile's targets are what they claim (issue 21, finding 5): every phony name has a
rule, the targets that run the virtualenv's tools make it first, and `make docs` builds only
the chart's tools."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "Makefile").read_text(encoding="utf-8")


def rules() -> dict[str, tuple[list[str], list[str]]]:
    """Target -> (prerequisites, recipe lines) of every explicit rule."""
    found = {}
    for match in re.finditer(r"^([\w./$()-]+):(?!=)(.*)\n((?:\t.*\n?)*)", TEXT, re.M):
        recipe = [line.strip() for line in match.group(3).splitlines()]
        found[match.group(1)] = (match.group(2).split(), recipe)
    return found


def test_every_phony_target_has_a_rule() -> None:
    [phony] = re.findall(r"^\.PHONY:(.*)$", TEXT, re.M)
    assert [name for name in phony.split() if name not in rules()] == []


def prerequisites_of(target: str) -> set[str]:
    """Every target `make TARGET` makes first, directly or through another."""
    found: set[str] = set()
    todo = list(rules()[target][0])
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(rules().get(name, ([], []))[0])
    return found


def test_targets_that_run_the_virtualenv_make_it() -> None:
    needs_venv = [
        target
        for target, (_, recipe) in rules().items()
        if any("$(BIN)/" in line for line in recipe)
        and "$(VENV)/.installed" not in prerequisites_of(target)
        # the rule that makes it; cluster-down stops a cluster the virtualenv made
        and target not in {"$(VENV)/.installed", "cluster-down"}
    ]
    assert needs_venv == []


def test_make_docs_builds_only_the_chart_tools() -> None:
    prerequisites, recipe = rules()["docs"]
    assert "tools" not in prerequisites
    installs = [line for line in recipe if "install-" in line]
    assert installs == ["scripts/install-tools.sh chart"]
