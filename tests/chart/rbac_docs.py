"""The RBAC allow-lists documented in docs/chart.md, read by the chart tests (rendered Roles) and
the end-to-end tier (what the API server grants), so the documentation cannot drift from either."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "chart.md"

Rules = dict[tuple[str, str], set[str]]


def split_resource(resource: str) -> tuple[str, str]:
    """``scheduledsparkapplications.sparkoperator.k8s.io`` -> (group, plural); core: ("", plural)."""
    plural, _, group = resource.partition(".")
    return group, plural


def documented_rules(account: str) -> Rules:
    """{(API group, resource): verbs} of the table between the ``rbac:<account>`` markers."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- rbac:{account}:start -->(.*?)<!-- rbac:{account}:end -->", text, re.S)
    assert match, f"docs/chart.md has no rbac:{account} table"
    rules: Rules = {}
    for line in match.group(1).strip().splitlines()[2:]:  # after the header and its rule
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        verbs = {v.strip().strip("`") for v in cells[1].split(",")}
        rules.setdefault(split_resource(cells[0].strip("`")), set()).update(verbs)
    return rules
