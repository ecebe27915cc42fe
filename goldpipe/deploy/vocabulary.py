"""The Kubernetes vocabulary of goldpipe, in one place: the Spark Operator's API and kinds, the
labels and annotations goldpipe writes and reads, the selectors built from them, the states of
a run, and the limits on names."""

from __future__ import annotations

# The Kubeflow Spark Operator goldpipe is built and tested against (Chart.yaml's dependency,
# tools/spark-operator/go.mod); its CRDs validate what goldpipe renders.
SPARK_OPERATOR_VERSION = "2.5.2"
GROUP = "sparkoperator.k8s.io"
VERSION = "v1beta2"
API_VERSION = f"{GROUP}/{VERSION}"
SPARK_APPLICATION = "SparkApplication"
SCHEDULED_SPARK_APPLICATION = "ScheduledSparkApplication"
SPARK_APPS = "sparkapplications"  # plurals, as the API's paths name them
SCHEDULED_APPS = "scheduledsparkapplications"

# Who writes: the server-side apply field manager, and the component named on every Event.
FIELD_MANAGER = "goldpipe"
EVENT_COMPONENT = "goldpipe-controller"

# Labels of every resource the controller creates, and of every run.
LABEL_INSTANCE = "app.kubernetes.io/instance"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_COMPONENT = "app.kubernetes.io/component"
MANAGED_BY = "goldpipe-controller"
COMPONENT = "gold-job"
# The table maintenance schedule and its runs: not gold runs, so never audited or published
# (``runs_selector`` selects the gold-job component only). Its schedule name is reserved.
MAINTENANCE_COMPONENT = "table-maintenance"
MAINTENANCE_SCHEDULE = "maintenance"
LABEL_SCHEDULE = "goldpipe.io/schedule"
# The job, or `all`/`multi` for a group (label values allow no commas). A run's jobs are its
# `--jobs` argument, what the job itself reads: a ScheduledSparkApplication passes its labels to
# its runs but not its annotations, so no annotation could carry them.
LABEL_JOB = "goldpipe.io/job"
LABEL_DATE = "goldpipe.io/date"  # one-off and backfill runs: their day
LABEL_RUN_KIND = "goldpipe.io/run-kind"  # scheduled, one-off, backfill
LABEL_CHECKS = "goldpipe.io/checks"  # the posted result: passed, warning, failed, skipped
# A maintenance run's posted result (its Event and gauges are done): completed or failed.
LABEL_MAINTENANCE_RESULT = "goldpipe.io/maintenance-result"

# Annotations.
ANNOTATION_SUMMARY = "goldpipe.io/check-summary"  # compact JSON of the audit
ANNOTATION_STUCK = "goldpipe.io/stuck-warned"
ANNOTATION_APPLIED_HASH = "goldpipe.io/applied-hash"  # of what the controller applied last

# The driver pods of Spark on Kubernetes.
LABEL_SPARK_ROLE = "spark-role"
DRIVER_SELECTOR = f"{LABEL_SPARK_ROLE}=driver"

# The Spark Operator names a scheduled run "<schedule>-<UnixNano>" (20 more characters) and the
# run's UI Service "<run>-ui-svc" (7 more), and a Service name is a DNS-1035 label of 63 at most.
MAX_RUN_NAME = 63 - len("-ui-svc")
MAX_SCHEDULE_NAME = MAX_RUN_NAME - len("-") - 19

# States of a SparkApplication (status.applicationState.state).
COMPLETED = "COMPLETED"
FAILED_STATES = frozenset({"FAILED", "SUBMISSION_FAILED"})
TERMINAL_STATES = FAILED_STATES | {COMPLETED}


def runs_selector(release_name: str) -> str:
    """The label selector of every gold run (scheduled or one-off) of a release."""
    return f"{LABEL_INSTANCE}={release_name},{LABEL_COMPONENT}={COMPONENT}"


def maintenance_runs_selector(release_name: str) -> str:
    """The label selector of every table maintenance run of a release (listed by ``goldpipe
    status``, reported by the controller; never audited)."""
    return f"{LABEL_INSTANCE}={release_name},{LABEL_COMPONENT}={MAINTENANCE_COMPONENT}"


def schedules_selector(release_name: str) -> str:
    """The label selector of every ScheduledSparkApplication this release's controller made: the
    gold schedules and the maintenance one (any component), so either is deleted once unwanted."""
    return f"{LABEL_INSTANCE}={release_name},{LABEL_MANAGED_BY}={MANAGED_BY}"
