"""Run ids -> Iceberg ref names: readable, valid identifiers, and one branch per run id."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from goldpipe.core.names import branch_name, days_property, property_days, tag_name

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


def test_a_submission_of_an_application_is_a_run_of_its_own():
    """The same name run again (``--replace``) or retried: another run id, branch and tag."""
    from goldpipe.core.names import kubernetes_run_id

    name = "goldpipe-daily-sales-summary-20261128"
    first = kubernetes_run_id(name, "ed797fcb-6265-4c90-a4e3-be147e79bceb")
    again = kubernetes_run_id(name, "0a1b2c3d-0000-4c90-a4e3-be147e79bceb")
    assert first == f"{name}-ed797fcb"
    assert len({first, again}) == 2
    assert branch_name(first) != branch_name(again) and tag_name(first) != tag_name(again)
    assert kubernetes_run_id(name, None) == kubernetes_run_id(name, "") == name


def test_a_commit_names_its_days_and_reads_them_back():
    days = [dt.date(2026, 11, 21), dt.date(2026, 11, 19), dt.date(2026, 11, 20)]
    assert days_property(days) == "2026-11-19,2026-11-20,2026-11-21"
    assert property_days(days_property(days)) == frozenset(days)
    # A commit of one day, and every commit before runs were committed whole.
    assert property_days("2026-11-19") == {dt.date(2026, 11, 19)}
    assert property_days(None) == frozenset() == property_days("")
