"""goldpipe controller --once, through the CLI against FakeKube (a fake API)."""

from __future__ import annotations

import pytest

from goldpipe.cli.main import _register
from tests.fakes.kube import FakeKube
from tests.goldpipe.cli.kube_cli import invoke


@pytest.fixture(scope="module", autouse=True)
def registered():
    _register()


def test_controller_once_reconciles_through_the_cli(tmp_path):
    from goldpipe.deploy.values import chart_values
    from tests.goldpipe.controller.conftest import write_config

    config = tmp_path / "config"
    write_config(config, chart_values(None))
    kube = FakeKube("analytics")
    kube.add_configmap("goldpipe-config")
    result = invoke(["controller", "--config-dir", str(config), "--once"], kube)
    assert result.exit_code == 0, result.output
    assert "goldpipe-nightly" in kube.objects["scheduledsparkapplications"]
