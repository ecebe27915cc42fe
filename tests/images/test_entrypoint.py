"""The Spark image's entrypoint (images/spark/entrypoint.sh), run here with stand-ins for
spark-submit and java that print what they were called with: the container contract the pods
of Spark on Kubernetes call (`driver ...`, `executor`). The node tier runs it for real."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[2] / "images" / "spark" / "entrypoint.sh"
PRINT_ARGS = '#!/bin/sh\nfor a in "$0" "$@"; do echo "$a"; done\n'

EXECUTOR_ENV = {
    "SPARK_DRIVER_URL": "spark://CoarseGrainedScheduler@driver-svc.analytics.svc:7078",
    "SPARK_EXECUTOR_ID": "2",
    "SPARK_EXECUTOR_CORES": "1",
    "SPARK_EXECUTOR_MEMORY": "1024m",
    "SPARK_APPLICATION_ID": "spark-123",
    "SPARK_EXECUTOR_POD_IP": "10.244.0.7",
    "SPARK_EXECUTOR_POD_NAME": "run-exec-2",
    "SPARK_RESOURCE_PROFILE_ID": "0",
    "SPARK_CONF_DIR": "/opt/spark/conf",
}


@pytest.fixture
def stand_ins(tmp_path: Path) -> dict[str, str]:
    """SPARK_HOME and JAVA_HOME whose spark-submit and java print their argv, one per line."""
    for tool in ("spark/bin/spark-submit", "java/bin/java"):
        path = tmp_path / tool
        path.parent.mkdir(parents=True)
        path.write_text(PRINT_ARGS)
        path.chmod(0o755)
    return {
        "PATH": os.environ["PATH"],
        "SPARK_HOME": str(tmp_path / "spark"),
        "JAVA_HOME": str(tmp_path / "java"),
    }


def entrypoint(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, check=False, timeout=30
    )


def test_driver_runs_spark_submit_in_client_mode_bound_to_the_pods_address(stand_ins: dict[str, str]) -> None:
    env = {**stand_ins, "SPARK_DRIVER_BIND_ADDRESS": "10.244.0.5"}
    proc = entrypoint(
        env,
        "driver",
        "--properties-file",
        "/opt/spark/conf/spark.properties",
        "local:///opt/goldpipe/spark_apps/main.py",
        "--date",
        "auto",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"{stand_ins['SPARK_HOME']}/bin/spark-submit",
        "--conf", "spark.driver.bindAddress=10.244.0.5",
        "--conf", "spark.executorEnv.SPARK_DRIVER_POD_IP=10.244.0.5",
        "--deploy-mode", "client",
        "--properties-file", "/opt/spark/conf/spark.properties",
        "local:///opt/goldpipe/spark_apps/main.py", "--date", "auto",
    ]  # fmt: skip


def test_executor_runs_the_kubernetes_executor_backend_with_the_jvm_options_in_order(
    stand_ins: dict[str, str],
) -> None:
    options = {f"SPARK_JAVA_OPT_{i}": f"-Dopt.{i}=x" for i in (0, 1, 2, 10, 9)}
    proc = entrypoint({**stand_ins, **EXECUTOR_ENV, **options}, "executor")
    assert proc.returncode == 0, proc.stderr
    home = stand_ins["SPARK_HOME"]
    assert proc.stdout.splitlines() == [
        f"{stand_ins['JAVA_HOME']}/bin/java",
        "-Dopt.0=x", "-Dopt.1=x", "-Dopt.2=x", "-Dopt.9=x", "-Dopt.10=x",  # 10 after 9
        "-Xms1024m", "-Xmx1024m",
        "-cp", f"/opt/spark/conf:{home}/jars/*",
        "org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend",
        "--driver-url", EXECUTOR_ENV["SPARK_DRIVER_URL"],
        "--executor-id", "2", "--cores", "1", "--app-id", "spark-123",
        "--hostname", "10.244.0.7", "--resourceProfileId", "0", "--podName", "run-exec-2",
    ]  # fmt: skip


@pytest.mark.parametrize("missing", ["SPARK_DRIVER_URL", "SPARK_EXECUTOR_MEMORY", "SPARK_EXECUTOR_POD_IP"])
def test_an_executor_without_its_contract_says_which_variable_is_missing(
    stand_ins: dict[str, str], missing: str
) -> None:
    env = {k: v for k, v in {**stand_ins, **EXECUTOR_ENV}.items() if k != missing}
    proc = entrypoint(env, "executor")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {missing} is not set")
    assert proc.stdout == ""


def test_a_driver_without_its_address_is_refused(stand_ins: dict[str, str]) -> None:
    proc = entrypoint(stand_ins, "driver", "--properties-file", "x")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert "SPARK_DRIVER_BIND_ADDRESS" in proc.stderr


def test_any_other_command_runs_as_given_and_none_is_a_usage_error(stand_ins: dict[str, str]) -> None:
    assert entrypoint(stand_ins, "echo", "hello").stdout == "hello\n"
    proc = entrypoint(stand_ins)
    assert proc.returncode == 2 and proc.stderr.startswith("usage: entrypoint driver")
