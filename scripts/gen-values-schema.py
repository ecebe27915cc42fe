#!/usr/bin/env python3
"""Rewrite the IANA time zone enum of values.schema.json (``definitions.timeZone.if.enum``).

The zones are Python's ``zoneinfo.available_timezones()`` read from the ``tzdata`` package
only (the system's zoneinfo directory is ignored), so the list depends on the installed
tzdata version and not on the machine. Everything else in the schema is written by hand;
this script changes only that one list (the file is rewritten as ``json.dumps(indent=2)``).

    scripts/gen-values-schema.py [--check] [SCHEMA]   (default SCHEMA: values.schema.json)

``--check`` exits 1, changing nothing, when the committed enum is not the generated one.
"""

from __future__ import annotations

import argparse
import json
import sys
import zoneinfo
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


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def regenerate(text: str) -> str:
    schema = json.loads(text)
    try:
        target = schema["definitions"]["timeZone"]["if"]
    except KeyError:
        sys.exit("error: the schema has no definitions.timeZone.if")
    target["enum"] = time_zones()
    return render(schema)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("schema", nargs="?", type=Path, default=ROOT / "values.schema.json")
    parser.add_argument("--check", action="store_true", help="exit 1 if the schema is stale")
    args = parser.parse_args(argv)
    current = args.schema.read_text(encoding="utf-8")
    wanted = regenerate(current)
    if current == wanted:
        return 0
    if args.check:
        print(
            f"{args.schema}: the time zone enum is stale (tzdata {tzdata_version()}); "
            "run scripts/gen-values-schema.py",
            file=sys.stderr,
        )
        return 1
    args.schema.write_text(wanted, encoding="utf-8")
    print(f"{args.schema}: {len(time_zones())} time zones (tzdata {tzdata_version()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
