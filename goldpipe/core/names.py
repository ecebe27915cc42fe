"""Names of a run's Iceberg refs and of its commits' summary properties. The Spark job writes
the branch and the controller audits and publishes it, so both must derive the same names from
the run id (the SparkApplication's name)."""

from __future__ import annotations

import hashlib
import re

BRANCH_PREFIX = "audit_"
# Snapshot summary properties of every gold commit: which day, which run.
DATE_PROPERTY = "goldpipe.event-date"
RUN_PROPERTY = "goldpipe.run-id"
TAG_PREFIX = "goldpipe-run-"
_UNSAFE = re.compile(r"[^a-z0-9_]")
# Ids kept as they are: lower-case words joined by single underscores (so never a "__").
_PLAIN = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def branch_name(run_id: str) -> str:
    """The run's audit branch: ``audit_`` plus the run id as an identifier, one branch per run id.

    An id that is already a plain identifier is kept (``audit_nightly_1``). Any other is reduced
    to ``[a-z0-9_]`` and gets ``__`` and a hash of the original id, so that ``nightly-1``,
    ``nightly_1`` and ``NIGHTLY.1`` name three branches: the double underscore never occurs in a
    kept id, and the hash tells reduced ids apart.
    """
    if _PLAIN.fullmatch(run_id):
        return BRANCH_PREFIX + run_id
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:12]
    return f"{BRANCH_PREFIX}{_UNSAFE.sub('_', run_id.lower())}__{digest}"


def tag_name(run_id: str) -> str:
    """The tag on the snapshot a run published: how a publish that already happened is recognised."""
    return TAG_PREFIX + run_id
