"""The chart's own rules each have one home (issue 21, finding 1): the longest schedule name is
one named number in `_helpers.tpl`, the same as the Python side's."""

from __future__ import annotations

import re

from goldpipe.deploy.vocabulary import MAX_SCHEDULE_NAME
from tests.chart.conftest import ROOT

HELPERS = (ROOT / "templates" / "_helpers.tpl").read_text(encoding="utf-8")


def test_the_longest_schedule_name_is_one_number_the_same_as_python_s() -> None:
    [defined] = re.findall(r'define "goldpipe.maxScheduleName" -}}(\d+){{', HELPERS)
    assert int(defined) == MAX_SCHEDULE_NAME
    # Nowhere else as a literal: the checks and their messages use the named one.
    assert len(re.findall(rf"\b{MAX_SCHEDULE_NAME}\b", HELPERS)) == 1
