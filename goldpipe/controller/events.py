"""The Events the controller posts on a run (a SparkApplication), each at most once."""

from __future__ import annotations

import contextlib

from goldpipe.deploy.apps import SparkApp
from goldpipe.deploy.kube import AlreadyExistsError, KubeApi
from goldpipe.deploy.vocabulary import API_VERSION, SPARK_APPLICATION


def post_once(kube: KubeApi, app: SparkApp, *, type_: str, reason: str, message: str) -> None:
    """Post an Event on ``app`` named by its run id and the reason: a controller that died after
    posting it and before marking the run posts nothing the second time."""
    involved = {"apiVersion": API_VERSION, "kind": SPARK_APPLICATION, "metadata": app.metadata}
    with contextlib.suppress(AlreadyExistsError):  # posted before a restart
        kube.create_event(
            involved,
            type_=type_,
            reason=reason,
            message=message,
            name=f"{app.run_id}.goldpipe-{reason.lower()}",
        )
