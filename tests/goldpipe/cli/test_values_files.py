"""Values files as the README promises them (issue 22, findings 5 and 6): every command that reads
one holds it to values.schema.json before it touches anything, and `-f` works after any command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import pytest

from goldpipe.cli.main import _register, cli, main
from goldpipe.lakehouse.catalog import load_catalog
from goldpipe.lakehouse.config import CatalogConfig, resolve_embedded
from goldpipe.seed import seed_silver
from tests.fakes.kube import FakeKube
from tests.goldpipe.cli.kube_cli import invoke

BAD_VALUES = {
    "a wrong type": ("catalog:\n  name: 7\n", "catalog/name: must be of type string"),
    "an unknown key": ("catalog:\n  nosuch: x\n", "'nosuch' was unexpected"),
    "jdbc.password": ("catalog:\n  properties:\n    jdbc.password: hunter2\n", "without a secret"),
    "a credential in catalog.uri": (
        "catalog:\n  uri: jdbc:postgresql://u:hunter2@127.0.0.1:1/lake\n",
        "a URI without credentials",
    ),
    "a secret-looking env name": (
        "spark:\n  env:\n    - {name: DB_PASSWORD, value: hunter2}\n",
        "a variable without a secret",
    ),
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "lake"
    catalog = load_catalog(resolve_embedded(CatalogConfig(), home), create=True)
    seed_silver(catalog, days=1, end_date=dt.date(2026, 11, 27), orders_per_day=10, seed=1, replace=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(home))
    return home


def catalog_mtime(home: Path) -> int:
    return (home / "catalog.db").stat().st_mtime_ns


@pytest.mark.parametrize("case", list(BAD_VALUES))
@pytest.mark.parametrize(
    "command",
    [
        ("show", "silver.orders"),
        ("seed", "--days", "1", "--replace"),
        ("run-local", "--date", "2026-11-27"),
        ("check", "daily_sales_summary", "--date", "2026-11-27"),
        ("maintain", "--dry-run"),
        ("render",),
    ],
    ids=lambda c: c[0],
)
def test_finding_5_every_command_refuses_the_values_the_schema_refuses(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...], case: str
) -> None:
    text, message = BAD_VALUES[case]
    values = tmp_path / "bad.yaml"
    values.write_text(text)
    before = catalog_mtime(home)
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "-f", str(values)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2, err
    [line] = err.strip().splitlines()
    assert line.startswith("error: invalid values: ") and message in line
    assert "hunter2" not in line
    assert catalog_mtime(home) == before  # nothing written, no connection made with the URI


def test_finding_6_every_command_takes_f_after_it() -> None:
    _register()
    missing = [
        name
        for name, command in cli.commands.items()
        if not any(isinstance(p, click.Option) and "-f" in p.opts for p in command.params)
    ]
    assert missing == []


def test_finding_6_f_after_status_and_controller(tmp_path: Path) -> None:
    from goldpipe.deploy.values import chart_values
    from tests.goldpipe.controller.conftest import write_config

    _register()
    values = tmp_path / "values.yaml"
    values.write_text("{}\n")
    status = invoke(["status", "-f", str(values)], FakeKube("analytics"))
    assert status.exit_code == 0, status.output
    assert "no runs of release 'goldpipe'" in status.output
    config = tmp_path / "config"
    write_config(config, chart_values(None))
    kube = FakeKube("analytics")
    kube.add_configmap("goldpipe-config")
    controller = invoke(["controller", "-f", str(values), "--config-dir", str(config), "--once"], kube)
    assert controller.exit_code == 0, controller.output


@pytest.mark.parametrize(
    "command",
    [
        ("show", "silver.orders"),
        ("check", "daily_sales_summary", "--date", "2026-11-27"),
        ("run-local", "--date", "2026-11-27", "--allow-unfinished-days"),
    ],
    ids=lambda c: c[0],
)
def test_issue_21_finding_1_a_command_reads_its_values_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """One `load_settings`: the values file merged with the chart's and held to the schema once
    per command (run-local read it three ways: catalog, checks, lineage). The lakehouse has no
    silver, so run-local stops before Spark, and check before its checks."""
    from goldpipe.deploy import values as values_module

    calls: list[int] = []
    real = values_module.schema_errors
    monkeypatch.setattr(values_module, "schema_errors", lambda *a: calls.append(1) or real(*a))
    load_catalog(resolve_embedded(CatalogConfig(), tmp_path / "empty"), create=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOLDPIPE_HOME", str(tmp_path / "empty"))
    values = tmp_path / "v.yaml"
    values.write_text("checks:\n  enabled: true\n")
    with pytest.raises(SystemExit):
        main([*command, "-f", str(values)])
    assert calls == [1]
