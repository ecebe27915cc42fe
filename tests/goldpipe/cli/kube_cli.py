"""A CLI harness over FakeKube (a fake API) whose runs advance one state per look."""

from __future__ import annotations

from click.testing import CliRunner

from goldpipe.cli.main import cli
from goldpipe.deploy.vocabulary import SPARK_APPS
from tests.fakes.kube import FakeKube


class ProgressingKube(FakeKube):
    """Runs advance one state per look: NEW -> RUNNING -> COMPLETED (or FAILED for ``fail``)."""

    def __init__(self, fail: set[str] = frozenset()) -> None:
        super().__init__("analytics")
        self.fail = fail
        self.max_running = 0

    def get_object(self, plural, name):
        obj = super().get_object(plural, name)
        state = ((obj.get("status") or {}).get("applicationState") or {}).get("state")
        following = {None: "RUNNING", "RUNNING": "FAILED" if name in self.fail else "COMPLETED"}
        if state in following:
            self.set_state(plural, name, following[state])
        running = sum(
            1
            for o in self.objects.get(SPARK_APPS, {}).values()
            if ((o.get("status") or {}).get("applicationState") or {}).get("state") in (None, "RUNNING")
        )
        self.max_running = max(self.max_running, running)
        return obj


def invoke(args, kube=None):
    obj = {"values_file": None, "kube_factory": (lambda ns, ctx: kube) if kube else None}
    return CliRunner().invoke(cli, args, obj=obj, catch_exceptions=False)
