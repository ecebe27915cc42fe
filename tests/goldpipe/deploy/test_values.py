"""Finding the chart and reading its values from anywhere."""

from __future__ import annotations

from pathlib import Path

from goldpipe.deploy.values import CHART_NAME, chart_values, find_chart_dir

CHECKOUT = Path(__file__).resolve().parents[3]


def test_outside_the_checkout_the_chart_is_the_one_goldpipe_was_installed_from(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GOLDPIPE_CHART_DIR", raising=False)
    assert find_chart_dir() == CHECKOUT
    assert chart_values(None)["checks"]["defaults"]["freshness"]["severity"] in ("blocking", "warning")


def test_the_nearest_goldpipe_chart_up_from_the_working_directory_wins(tmp_path, monkeypatch):
    (tmp_path / "Chart.yaml").write_text(f"name: {CHART_NAME}\n")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "er")
    monkeypatch.delenv("GOLDPIPE_CHART_DIR", raising=False)
    assert find_chart_dir() == tmp_path
