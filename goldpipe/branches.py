"""Names of a run's Iceberg refs and of its commits' summary properties. The Spark job writes
the branch and the controller audits and publishes it, so both must derive the same names from
the run id (the SparkApplication's name)."""

from __future__ import annotations

import re

BRANCH_PREFIX = "audit_"
# Snapshot summary properties of every gold commit: which day, which run.
DATE_PROPERTY = "goldpipe.event-date"
RUN_PROPERTY = "goldpipe.run-id"
TAG_PREFIX = "goldpipe-run-"
_UNSAFE = re.compile(r"[^a-z0-9_]")


def branch_name(run_id: str) -> str:
    """The run's audit branch: ``audit_`` plus the run id reduced to ``[a-z0-9_]`` (an identifier)."""
    return BRANCH_PREFIX + _UNSAFE.sub("_", run_id.lower())


def tag_name(run_id: str) -> str:
    """The tag on the snapshot a run published: how a publish that already happened is recognised."""
    return TAG_PREFIX + run_id
