"""The job's entry point: the run id it writes under is the one the controller audits."""

from __future__ import annotations

from typing import Any

from goldpipe.core.names import SUBMISSION_ID_CONF
from goldpipe.deploy.apps import SparkApp
from spark_apps.runtime import run_id_of


class _Conf:
    """Stand-in for a session's RuntimeConfig (Spark core properties cannot be set at runtime)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class _Session:
    def __init__(self, values: dict[str, str]) -> None:
        self.conf = _Conf(values)


def test_the_driver_and_the_controller_derive_the_same_run_id() -> None:
    """What spark-submit hands the driver (the operator's properties, as a real run's show) and
    what the controller reads from the SparkApplication name one run."""
    name, submission = "goldpipe-nightly-1796297072", "ed797fcb-6265-4c90-a4e3-be147e79bceb"
    driver = _Session(
        {
            "spark.app.name": name,
            "spark.kubernetes.driver.pod.name": f"{name}-driver",
            SUBMISSION_ID_CONF: submission,
        }
    )
    app = SparkApp({"metadata": {"name": name}, "status": {"submissionID": submission}})
    assert run_id_of(driver, None) == app.run_id == f"{name}-ed797fcb"  # type: ignore[arg-type]
    assert run_id_of(driver, "explicit") == "explicit"  # type: ignore[arg-type]


def test_a_local_run_gets_a_fresh_id_each_time() -> None:
    local = _Session({"spark.app.name": "goldpipe"})
    assert run_id_of(local, None) != run_id_of(local, None)  # type: ignore[arg-type]
