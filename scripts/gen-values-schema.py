#!/usr/bin/env python3
"""Rewrite the generated parts of values.schema.json: descriptions and time zones.

The descriptions of the values and the IANA time zone enum (``definitions.timeZone.if.enum``).

Descriptions: each key of values.yaml with a ``# --`` comment (helm-docs' convention, the
source of docs/values.md) gets that comment as the ``description`` of its property, so the
schema and the docs say the same thing and only values.yaml is edited. A key reached through a
definition several properties share (``defaults.driver`` and ``maintenance.driver`` are both
``definitions.driver``) keeps the definition's own description, which fits every use.

Zones: Python's ``zoneinfo.available_timezones()`` read from the ``tzdata`` package only (the
system's zoneinfo directory is ignored), so the list depends on the installed tzdata version
and not on the machine.

Everything else in the schema is written by hand (the file is rewritten as
``json.dumps(indent=2)``).

    scripts/gen-values-schema.py [--check] [SCHEMA [VALUES]]
    (default SCHEMA: values.schema.json, VALUES: values.yaml)

``--check`` exits 1, changing nothing, when the committed schema is not the generated one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zoneinfo
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Not a place: "Factory" is tzdata's "-00" placeholder; the others are files of a system
# zoneinfo directory, not zones.
EXCLUDED = frozenset({"Factory", "localtime", "posixrules", "posix", "right"})


def tzdata_version() -> str:
    try:
        import tzdata  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return "none"
    return str(tzdata.IANA_VERSION)


def time_zones() -> list[str]:
    """Every IANA zone name of the installed tzdata package, sorted."""
    if tzdata_version() == "none":
        sys.exit("error: the tzdata package is not installed (pip install tzdata)")
    zoneinfo.reset_tzpath(to=[])  # the tzdata package only, not /usr/share/zoneinfo
    try:
        zones = zoneinfo.available_timezones()
    finally:
        zoneinfo.reset_tzpath()
    return sorted(zones - EXCLUDED)


_KEY = re.compile(r"^(?P<indent> *)(?P<key>[\w-]+):")


def value_comments(values_yaml: str) -> dict[tuple[str, ...], str]:
    """Key path -> its ``# --`` comment, continuation lines joined (as helm-docs reads them)."""
    comments: dict[tuple[str, ...], str] = {}
    stack: list[tuple[int, str]] = []  # (indent, key) of the keys enclosing the current line
    pending: list[str] | None = None
    for line in values_yaml.splitlines():
        stripped = line.strip()
        if stripped.startswith("# --"):
            pending = [stripped.removeprefix("# --").strip()]
        elif stripped.startswith("#") and pending is not None:
            pending.append(stripped.removeprefix("#").strip())
        elif match := _KEY.match(line):
            indent = len(match["indent"])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, match["key"]))
            if pending is not None:
                comments[tuple(key for _, key in stack)] = " ".join(pending)
            pending = None
        elif not stripped:
            pending = None
    return comments


def _describe(schema: dict[str, Any], path: tuple[str, ...], text: str, uses: Counter[str]) -> None:
    node = schema
    for depth, key in enumerate(path):
        if "$ref" in node and depth:
            name = node["$ref"].rsplit("/", 1)[1]
            if uses[name] > 1:
                return  # a shared definition: its description fits every use
            node = schema["definitions"][name]
        try:
            node = node["properties"][key]
        except KeyError:
            sys.exit(f"error: values.yaml's {'.'.join(path)} is not in the schema")
    node["description"] = text


def regenerate(text: str, values_yaml: str) -> str:
    schema = json.loads(text)
    uses = Counter(re.findall(r'"\$ref": "#/definitions/(\w+)"', text))
    for path, comment in value_comments(values_yaml).items():
        _describe(schema, path, comment, uses)
    try:
        target = schema["definitions"]["timeZone"]["if"]
    except KeyError:
        sys.exit("error: the schema has no definitions.timeZone.if")
    target["enum"] = time_zones()
    return render(schema)


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", nargs="?", type=Path, default=ROOT / "values.schema.json")
    parser.add_argument("values", nargs="?", type=Path, default=ROOT / "values.yaml")
    parser.add_argument("--check", action="store_true", help="exit 1 if the schema is stale")
    args = parser.parse_args(argv)
    current = args.schema.read_text(encoding="utf-8")
    wanted = regenerate(current, args.values.read_text(encoding="utf-8"))
    if current == wanted:
        return 0
    if args.check:
        print(
            f"{args.schema}: stale (the descriptions of {args.values}'s `# --` comments or the time "
            f"zones of tzdata {tzdata_version()}); run scripts/gen-values-schema.py",
            file=sys.stderr,
        )
        return 1
    args.schema.write_text(wanted, encoding="utf-8")
    print(
        f"{args.schema}: descriptions from {args.values}, "
        f"{len(time_zones())} time zones (tzdata {tzdata_version()})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
