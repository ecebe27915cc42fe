"""Run ids -> Iceberg ref names: readable, valid identifiers, and one branch per run id."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from goldpipe.core.names import branch_name, tag_name

IDENTIFIER = re.compile(r"[a-z0-9_]+")


def test_plain_ids_stay_readable():
    assert branch_name("nightly_1") == "audit_nightly_1"
    assert branch_name("20261127t020000_ab12cd") == "audit_20261127t020000_ab12cd"


def test_ids_that_normalise_alike_get_distinct_branches():
    names = {branch_name(run) for run in ("nightly-1", "nightly_1", "NIGHTLY.1", "nightly__1")}
    assert len(names) == 4
    assert branch_name("goldpipe-nightly-1795994280001593440").startswith(
        "audit_goldpipe_nightly_1795994280001593440__"
    )


@given(st.text(min_size=1, max_size=60), st.text(min_size=1, max_size=60))
def test_branch_names_are_injective_identifiers(first, second):
    assert IDENTIFIER.fullmatch(branch_name(first).removeprefix("audit_") or "x")
    if first != second:
        assert branch_name(first) != branch_name(second)


def test_tags_keep_the_run_id():
    assert tag_name("goldpipe-nightly-1") == "goldpipe-run-goldpipe-nightly-1"
