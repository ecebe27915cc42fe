"""Each rule in one home (issue 21): a business rule or a classification is written once, in
``goldpipe.core``; the engines (Spark, pyiceberg) gather their inputs and ask it.

These scan the code's syntax trees, so a second copy of a rule fails here before it drifts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ("goldpipe", "spark_apps")


def _trees() -> Iterator[tuple[str, ast.AST]]:
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _where(predicate) -> set[str]:  # type: ignore[no-untyped-def]
    return {path for path, tree in _trees() if any(predicate(node) for node in ast.walk(tree))}


def test_which_statuses_count_as_sales_is_the_contract_s():
    # The synthetic data (goldpipe/seed) writes statuses; only the contract says what they mean.
    literal = _where(lambda n: isinstance(n, ast.Constant) and n.value == "cancelled")
    assert {p for p in literal if not p.startswith("goldpipe/seed/")} == {"goldpipe/core/contract.py"}


def test_facts_and_dimensions_are_told_apart_once():
    def assigns(node: ast.AST) -> bool:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        return isinstance(node, ast.Assign | ast.AnnAssign) and any(
            isinstance(t, ast.Name) and t.id in {"FACT_TABLES", "DIMENSION_TABLES"} for t in targets
        )

    assert _where(assigns) == {"goldpipe/core/contract.py"}


def _calls(name: str) -> set[str]:
    def call(node: ast.AST) -> bool:
        func = getattr(node, "func", None)
        return isinstance(node, ast.Call) and name in {getattr(func, "id", None), getattr(func, "attr", None)}

    return _where(call)


def test_auto_s_days_are_decided_once_for_both_engines():
    # The engines read each job's watermark (goldpipe.core.dates.watermark) and hand them to
    # jobs_auto_days; only that calls the one-watermark rule (gold_tables.auto_days is the
    # pyiceberg engine's gathering, named after what it returns).
    assert _calls("jobs_auto_days") == {"goldpipe/lakehouse/gold_tables.py", "spark_apps/pipeline.py"}
    assert _calls("watermark") >= {"goldpipe/lakehouse/gold_tables.py", "spark_apps/gold.py"}
    bare = _where(lambda n: isinstance(n, ast.Call) and getattr(n.func, "id", None) == "auto_days")
    assert bare == {"goldpipe/core/dates.py"}
