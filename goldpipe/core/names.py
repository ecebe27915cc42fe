"""Names of a run, its Iceberg refs and its commits' summary properties. The Spark job writes
the branch and the controller audits and publishes it, so both must derive the same names from
the same run id (on Kubernetes: the SparkApplication's name and its submission)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable

BRANCH_PREFIX = "audit_"
# Snapshot summary properties of every gold commit: which days, which run. A commit replaces
# every day of a run (or of one group of its days) at once, so the days are a comma-separated
# list of ISO dates; a commit of one day, like every commit before runs were committed whole,
# holds a single date, and reads back the same.
DATE_PROPERTY = "goldpipe.event-date"
RUN_PROPERTY = "goldpipe.run-id"
TAG_PREFIX = "goldpipe-run-"
# Table property ``<prefix><branch>``: when the run cut its branch (ISO 8601, UTC), set in the
# cut's own commit. A branch cut from a ``main`` that has not moved for a week has a week-old
# head; table maintenance dates the branch by this property instead (goldpipe.core.maintenance).
BRANCH_CREATED_PREFIX = "goldpipe.branch-created."
# The Spark Operator labels a run's driver with the submission's id (a new one for every
# submission: a retry, or the same name run again with `goldpipe run --replace`) and hands the
# label to spark-submit as this Spark property, where the job reads it.
SUBMISSION_ID_CONF = "spark.kubernetes.driver.label.sparkoperator.k8s.io/submission-id"
SUBMISSION_ID_CHARS = 8
_UNSAFE = re.compile(r"[^a-z0-9_]")
# Ids kept as they are: lower-case words joined by single underscores (so never a "__").
_PLAIN = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def kubernetes_run_id(application: str, submission_id: str | None) -> str:
    """The run id of a SparkApplication's submission: its name and the start of the submission id.

    The name alone would make a day run again under the same name (``--replace``) the same run
    as the earlier one: its recorded check results would be read back and its tag would say
    "already published", so the new data would never be checked or published.
    """
    if not submission_id:
        return application
    return f"{application}-{submission_id.replace('-', '')[:SUBMISSION_ID_CHARS]}"


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


def branch_created_property(branch: str) -> str:
    """The table property holding when ``branch`` was cut."""
    return BRANCH_CREATED_PREFIX + branch


def tag_name(run_id: str) -> str:
    """The tag on the snapshot a run published: how a publish that already happened is recognised."""
    return TAG_PREFIX + run_id


def days_property(days: Iterable[dt.date]) -> str:
    """The value of ``DATE_PROPERTY`` for a commit of ``days``."""
    return ",".join(day.isoformat() for day in sorted(set(days)))


def property_days(value: str | None) -> frozenset[dt.date]:
    """The days a ``DATE_PROPERTY`` value names (none for a commit goldpipe did not write)."""
    return frozenset(dt.date.fromisoformat(part) for part in (value or "").split(",") if part)
