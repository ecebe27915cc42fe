"""goldpipe render, through the CLI."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from goldpipe.cli.main import _register, cli
from goldpipe.deploy.render.crds import manifest_errors
from tests.goldpipe.cli.kube_cli import invoke


@pytest.fixture(scope="module", autouse=True)
def registered():
    _register()


def test_render_prints_valid_schedules():
    result = invoke(["render", "-n", "analytics"])
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.output))
    assert [d["metadata"]["name"] for d in docs] == ["goldpipe-nightly", "goldpipe-maintenance"]
    assert all(manifest_errors(d) == [] for d in docs)
    maintenance = docs[1]["spec"]["template"]
    assert maintenance["mainApplicationFile"] == "local:///opt/goldpipe/spark_apps/maintenance.py"


def test_render_says_when_it_cannot_validate_against_the_crds(monkeypatch):
    import goldpipe.cli.render
    import goldpipe.deploy.render.crds

    monkeypatch.setattr(goldpipe.cli.render, "crds_dir", lambda: None)
    monkeypatch.setattr(goldpipe.deploy.render.crds, "crds_dir", lambda: None)
    result = CliRunner().invoke(cli, ["render", "-n", "analytics"], obj={"values_file": None})
    assert result.exit_code == 0
    assert "warning: not validated against the Spark Operator CRDs" in result.stderr
    assert "scripts/install-tools.sh" in result.stderr
    assert [d["kind"] for d in yaml.safe_load_all(result.stdout)] == ["ScheduledSparkApplication"] * 2


def test_render_one_off_and_its_usage_errors():
    result = invoke(["render", "--job", "rejected_rows", "--date", "2026-11-20"])
    assert result.exit_code == 0
    assert yaml.safe_load(result.output)["metadata"]["name"] == "goldpipe-rejected-rows-20261120"
    assert invoke(["render", "--job", "rejected_rows"]).exit_code == 2
    bad = invoke(["render", "--job", "nope", "--date", "2026-11-20"])
    assert bad.exit_code == 2 and "valid jobs: daily_sales_summary" in bad.output
    bad = invoke(["render", "--job", "rejected_rows", "--date", "20.11.2026"])
    assert bad.exit_code == 2 and "expected YYYY-MM-DD" in bad.output


def test_render_with_bad_values_is_a_clear_error(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("defaults:\n  executor:\n    instances: 0\n")
    from goldpipe.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["-f", str(values), "render"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("make_dir", "message"), [(False, "is not a directory"), (True, "holds no CRD files")]
)
def test_a_mistyped_crds_dir_says_what_is_wrong_with_it(tmp_path, monkeypatch, capsys, make_dir, message):
    """Issue 22, finding 11: it said the schedules did not match the Spark Operator CRD."""
    from goldpipe.cli.main import main

    crds = tmp_path / "crdz"
    if make_dir:
        crds.mkdir()
    monkeypatch.setenv("GOLDPIPE_CRDS_DIR", str(crds))
    with pytest.raises(SystemExit) as exit_info:
        main(["render"])
    assert exit_info.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"error: GOLDPIPE_CRDS_DIR {str(crds)!r} {message}" + (
        ": point it at the Spark Operator's CRD files, or unset it to use those of "
        "scripts/install-tools.sh control-plane"
        if not make_dir
        else " (*.yaml)"
    )
