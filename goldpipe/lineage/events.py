"""The OpenLineage events of one gold run: per gold job a START and a COMPLETE (the run was
published, or had nothing to publish) or FAIL event, with

- a run id derived from the run's key (the SparkApplication's uid; a local run's id), so the
  same run always gets the same ids and a re-sent event (a controller restarted between sending
  and labelling the run) is the same event;
- the silver tables read as inputs and the gold table as output, each versioned by its Iceberg
  snapshot id;
- every check result of the table in a ``dataQualityAssertions`` facet of the output;
- a parent facet naming the schedule, or the one-off run, that ran the job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset,
    dataset_version_dataset,
    error_message_run,
    job_type_job,
    parent_run,
)
from openlineage.client.uuid import generate_static_uuid

from goldpipe.checks.model import CheckResult

PRODUCER = "https://github.com/goldpipe/goldpipe"


@dataclass(frozen=True)
class Dataset:
    """An Iceberg table by its identifier (``silver.orders``) and the snapshot the run used."""

    name: str
    snapshot_id: int | None


@dataclass(frozen=True)
class JobRun:
    """One gold job of a run: what it read and wrote, and the checks of its table."""

    job: str
    inputs: tuple[Dataset, ...]
    output: Dataset
    checks: tuple[CheckResult, ...] = ()


@dataclass(frozen=True)
class RunFacts:
    """A finished gold run as lineage sees it."""

    key: str  # what the run ids derive from: the SparkApplication's uid, or a local run's id
    created: dt.datetime  # the time part of the ids (UUIDv7)
    parent: str  # the parent job's name: `schedule.<name>`, `one-off.<run>`, `run-local`, ...
    started: dt.datetime
    ended: dt.datetime
    succeeded: bool
    error: str | None
    dataset_namespace: str  # where the tables live: the catalog's warehouse
    jobs: tuple[JobRun, ...]


def run_id(facts: RunFacts, job: str | None = None) -> str:
    """The stable OpenLineage run id of a job of the run (of the run itself without ``job``)."""
    data = facts.key if job is None else f"{facts.key}/{job}"
    return str(generate_static_uuid(facts.created, data.encode()))


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _version(dataset: Dataset) -> dict[str, Any]:
    if dataset.snapshot_id is None:
        return {}
    return {
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=str(dataset.snapshot_id))
    }


def _assertions(checks: tuple[CheckResult, ...]) -> dict[str, Any]:
    if not checks:
        return {}
    assertions = [
        data_quality_assertions_dataset.Assertion(
            assertion=r.name,
            success=r.status == "pass",
            severity="error" if r.severity == "blocking" else "warn",
            name=f"{r.table}/{r.name}" + (f"@{r.event_date.isoformat()}" if r.event_date else ""),
            description=r.message,
            expected=r.expected,
            actual=r.observed,
        )
        for r in checks
    ]
    return {
        "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(assertions)
    }


def run_events(facts: RunFacts, namespace: str) -> list[RunEvent]:
    """START and COMPLETE or FAIL per gold job of the run, in that order."""
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=run_id(facts)),
        job=parent_run.Job(namespace=namespace, name=facts.parent),
    )
    job_type = job_type_job.JobTypeJobFacet(processingType="BATCH", integration="GOLDPIPE", jobType="JOB")
    end_state = RunState.COMPLETE if facts.succeeded else RunState.FAIL
    events = []
    for job in facts.jobs:
        inputs = [InputDataset(facts.dataset_namespace, d.name, facets=_version(d)) for d in job.inputs]
        for state, moment in ((RunState.START, facts.started), (end_state, facts.ended)):
            run_facets: dict[str, Any] = {"parent": parent}
            if state == RunState.FAIL and facts.error:
                run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
                    message=facts.error, programmingLanguage="python"
                )
            output_facets = _version(job.output)
            if state != RunState.START:
                # The spec files dataQualityAssertions under input facets (checks usually run on
                # what a job reads); goldpipe's checks judge what the job wrote, so they go with the
                # output, under the facet's own name.
                output_facets |= _assertions(job.checks)
            events.append(
                RunEvent(
                    eventType=state,
                    eventTime=_time(moment),
                    run=Run(runId=run_id(facts, job.job), facets=run_facets),
                    job=Job(namespace=namespace, name=job.job, facets={"jobType": job_type}),
                    inputs=inputs,
                    outputs=[
                        OutputDataset(
                            facts.dataset_namespace, job.output.name, facets=cast(Any, output_facets)
                        )
                    ],
                    producer=PRODUCER,
                )
            )
    return events
