"""`helm uninstall`: the garbage collector removes the schedules through their owner reference;
the lakehouse claim stays (helm.sh/resource-policy: keep). Runs last: it removes the release."""

from __future__ import annotations

from tests.e2e.conftest import E2E
from tests.e2e.deployment import NAMESPACE, RELEASE
from tests.support.processes import wait_until


def test_helm_uninstall_garbage_collects_the_schedules_and_keeps_the_lakehouse(e2e: E2E) -> None:
    assert e2e.plane.items("scheduledsparkapplications", NAMESPACE)
    e2e.deployment.stop_controller()  # as the Deployment's pod would be
    e2e.deployment.helm("uninstall", RELEASE, "-n", NAMESPACE, "--wait", "--timeout", "120s")
    wait_until(
        lambda: not e2e.plane.items("scheduledsparkapplications", NAMESPACE),
        timeout=120,
        what="schedules garbage-collected",
        details=lambda: e2e.plane.logs("kube-controller-manager"),
    )
    claim = e2e.plane.get("persistentvolumeclaim", f"{RELEASE}-lakehouse", NAMESPACE)
    assert claim is not None and claim["status"]["phase"] == "Bound"
    assert e2e.plane.get("configmap", f"{RELEASE}-config", NAMESPACE) is None
