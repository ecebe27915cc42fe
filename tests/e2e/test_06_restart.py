"""A controller that dies in the middle of handling a run: after its restart the run's checks are
recorded once, main moved once, and there is one Event."""

from __future__ import annotations

import json

from goldpipe.checks.history import recorded_results
from goldpipe.core.contract import GOLD_TABLES
from goldpipe.core.names import tag_name
from tests.e2e.conftest import E2E, LABEL_CHECKS
from tests.e2e.deployment import NAMESPACE, RELEASE, one_off_run
from tests.support.processes import wait_until

ROLE = f"{RELEASE}-controller"


def _patch_verbs(e2e: E2E, verbs: list[str]) -> None:
    role = e2e.plane.get("role", ROLE, NAMESPACE)
    assert role is not None
    rules = role["rules"]
    [index] = [i for i, r in enumerate(rules) if r["resources"] == ["sparkapplications"]]
    patch = [{"op": "replace", "path": f"/rules/{index}/verbs", "value": verbs}]
    e2e.plane.kubectl("patch", "role", ROLE, "-n", NAMESPACE, "--type=json", "-p", json.dumps(patch))


def test_a_controller_killed_while_posting_a_run_finishes_it_exactly_once_after_restart(e2e: E2E) -> None:
    job, day = "product_performance_analytics", e2e.days[3]
    name = one_off_run(job, day)
    role = e2e.plane.get("role", ROLE, NAMESPACE)
    assert role is not None
    [rule] = [r for r in role["rules"] if r["resources"] == ["sparkapplications"]]
    # The API server refuses the controller's last step (the label): it has checked, recorded,
    # published and posted the Event, and keeps retrying the label when it is killed.
    _patch_verbs(e2e, [v for v in rule["verbs"] if v != "patch"])
    try:
        proc = e2e.deployment.goldpipe(
            "run", job, "--date", day.isoformat(), "-n", NAMESPACE, "--wait", "--poll-seconds", "2"
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        wait_until(
            lambda: (
                e2e.deployment.events(name)
                and f"patch sparkapplications/{name}" in e2e.deployment.controller_log(200)
            ),
            timeout=120,
            what="the controller stuck at the label",
            details=e2e.diagnostics,
        )
        assert e2e.has_tag(job, name)
        e2e.deployment.kill_controller()
    finally:
        _patch_verbs(e2e, rule["verbs"])
    app = e2e.app(name)
    assert LABEL_CHECKS not in (app["metadata"].get("labels") or {})
    checks = recorded_results(e2e.catalog(), e2e.run_id(name))
    assert checks
    main_moves = _main_moves(e2e, job, name)
    e2e.deployment.start_controller()
    app = e2e.wait_checks_label(name)
    assert app["metadata"]["labels"][LABEL_CHECKS] in ("passed", "warning")
    assert recorded_results(e2e.catalog(), e2e.run_id(name)) == checks  # read back, not checked again
    assert _main_moves(e2e, job, name) == main_moves == 1
    assert len(e2e.deployment.events(name)) == 1


def _main_moves(e2e: E2E, job: str, run: str) -> int:
    """How often main was set to the snapshot the run's tag points at (the main history log)."""
    table = e2e.catalog().load_table(GOLD_TABLES[job].identifier)
    tagged = table.metadata.refs[tag_name(e2e.run_id(run))].snapshot_id
    return sum(1 for entry in table.metadata.snapshot_log if entry.snapshot_id == tagged)
