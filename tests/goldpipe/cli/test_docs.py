"""Every option the CLI has is in its reference, docs/cli.md: what `--help` lists, the page mentions
(the README shows the main flow and sends the reader there)."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from goldpipe.cli.main import _register, cli

CLI_DOC = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text(encoding="utf-8")
# Options of no interest to a reader (help and version), and internal knobs hidden from --help.
UNDOCUMENTED = {"--help", "--version"}


def options() -> list[tuple[str, tuple[str, ...]]]:
    _register()
    params = [("goldpipe", p) for p in cli.params]
    params += [(c.name or "", p) for c in cli.commands.values() for p in c.params]
    return [
        (command, tuple(p.opts))
        for command, p in params
        if isinstance(p, click.Option) and not p.hidden and not set(p.opts) & UNDOCUMENTED
    ]


@pytest.mark.parametrize(("command", "names"), options())
def test_the_cli_page_mentions_every_option(command: str, names: tuple[str, ...]) -> None:
    mentioned = [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", CLI_DOC)]
    assert mentioned, f"{command} {'/'.join(names)} is not in docs/cli.md"
