"""The RBAC allow-lists documented in docs/chart.md, read by the chart tests (rendered Roles) and
the end-to-end tier (what the API server grants), so the documentation cannot drift from either."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "chart.md"

# (API group, resource, resource name or "" for any) -> verbs.
Rules = dict[tuple[str, str, str], set[str]]


def split_resource(resource: str) -> tuple[str, str]:
    """``scheduledsparkapplications.sparkoperator.k8s.io`` -> (group, plural); core: ("", plural)."""
    plural, _, group = resource.partition(".")
    return group, plural


def documented_rules(account: str, fullname: str) -> Rules:
    """The table between the ``rbac:<account>`` markers, for a release whose full name is
    ``fullname`` (a `names` cell names the objects, ``<fullname>`` standing for it, or says `any`)."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- rbac:{account}:start -->(.*?)<!-- rbac:{account}:end -->", text, re.S)
    assert match, f"docs/chart.md has no rbac:{account} table"
    rules: Rules = {}
    for line in match.group(1).strip().splitlines()[2:]:  # after the header and its rule
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        group, plural = split_resource(cells[0].strip("`"))
        names = [] if cells[1] == "any" else [n.strip().strip("`") for n in cells[1].split(",")]
        verbs = {v.strip().strip("`") for v in cells[2].split(",")}
        for name in names or [""]:
            rules.setdefault((group, plural, name.replace("<fullname>", fullname)), set()).update(verbs)
    return rules
