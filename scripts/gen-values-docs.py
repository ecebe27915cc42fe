#!/usr/bin/env python3
"""Generate the chart's values table from the ``# --`` comments of values.yaml (helm-docs style).

    scripts/gen-values-docs.py [--check] [--values values.yaml] TARGET.md

Rewrites the part of TARGET.md between the lines ``<!-- values-table:start -->`` and
``<!-- values-table:end -->`` with a Markdown table: Key | Type | Default | Description.
``--check`` changes nothing and exits 1 when the table in TARGET.md is stale.

Comment conventions (those of helm-docs):

* ``# -- text`` in the comment block directly above a key documents that key; the comment
  lines after it, up to the key, continue the text (joined with spaces).
* ``# -- (type) text`` overrides the type column.
* ``# @default -- text`` in the same block replaces the default column (e.g. for a computed
  default).
* A documented key is one row, its default the whole value (a map or a list included). An
  undocumented key holding a non-empty map is not a row: its own keys are listed instead.
  Any other undocumented key is a row with an empty description.
* Comments without ``--`` (section headings) are ignored.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- values-table:start -->"
END = "<!-- values-table:end -->"
_DESC = re.compile(r"^\s*#\s?--\s?(?:\((?P<type>[^)]*)\)\s*)?(?P<text>.*)$")
_DEFAULT = re.compile(r"^\s*#\s?@default\s?--\s?(?P<text>.*)$")
_COMMENT = re.compile(r"^\s*#\s?(?P<text>.*)$")


@dataclass(frozen=True)
class Row:
    key: str
    type: str
    default: str
    description: str


@dataclass(frozen=True)
class Doc:
    description: str
    type: str | None = None
    default: str | None = None


def comment_above(lines: list[str], line: int) -> Doc | None:
    """The ``# --`` documentation in the comment block directly above 0-based ``line``."""
    block: list[str] = []
    i = line - 1
    while i >= 0 and lines[i].lstrip().startswith("#"):
        block.insert(0, lines[i])
        i -= 1
    starts = [n for n, text in enumerate(block) if _DESC.match(text)]
    if not starts:
        return None
    first = _DESC.match(block[starts[-1]])
    assert first is not None
    parts = [first.group("text").strip()]
    default = None
    for text in block[starts[-1] + 1 :]:
        if m := _DEFAULT.match(text):
            default = m.group("text").strip()
            continue
        m = _COMMENT.match(text)
        assert m is not None
        parts.append(m.group("text").strip())
    kind = first.group("type")
    return Doc(" ".join(p for p in parts if p), kind.strip() if kind else None, default)


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "string"


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def rows(values_text: str) -> list[Row]:
    """The table rows of a values file, in file order."""
    lines = values_text.splitlines()
    root = yaml.compose(values_text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(values_text)
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise SystemExit("error: the values file must be a mapping")
    out: list[Row] = []

    def walk(node: yaml.MappingNode, value: dict[str, Any], prefix: str) -> None:
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{prefix}.{key}" if prefix else key
            item = value[key]
            doc = comment_above(lines, key_node.start_mark.line)
            if doc is None and isinstance(value_node, yaml.MappingNode) and item:
                walk(value_node, item, path)
                continue
            out.append(
                Row(
                    key=path,
                    type=(doc.type if doc and doc.type else type_name(item)),
                    default=(doc.default if doc and doc.default is not None else f"`{compact(item)}`"),
                    description=doc.description if doc else "",
                )
            )

    walk(root, data, "")
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(values_text: str) -> str:
    head = ["| Key | Type | Default | Description |", "|-----|------|---------|-------------|"]
    body = [
        f"| {_cell(r.key)} | {_cell(r.type)} | {_cell(r.default)} | {_cell(r.description)} |"
        for r in rows(values_text)
    ]
    return "\n".join(head + body)


def rewrite(target_text: str, values_text: str, target: Path) -> str:
    lines = target_text.splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines) if line.strip() == START]
    ends = [n for n, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise SystemExit(f"error: {target} needs one line {START} followed by one line {END}")
    block = f"{START}\n\n{table(values_text)}\n\n{END}\n"
    return "".join(lines[: starts[0]]) + block + "".join(lines[ends[0] + 1 :])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="Markdown file with the table markers")
    parser.add_argument("--values", type=Path, default=ROOT / "values.yaml", help="default: values.yaml")
    parser.add_argument("--check", action="store_true", help="exit 1 if the table is stale")
    args = parser.parse_args(argv)
    current = args.target.read_text(encoding="utf-8")
    wanted = rewrite(current, args.values.read_text(encoding="utf-8"), args.target)
    if current == wanted:
        return 0
    if args.check:
        print(
            f"{args.target}: the values table is stale; run scripts/gen-values-docs.py {args.target}",
            file=sys.stderr,
        )
        return 1
    args.target.write_text(wanted, encoding="utf-8")
    print(f"{args.target}: values table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
