"""The ``yaml`` filter of the manifest templates: any value as one YAML flow node that can only be
that value (a property test feeds hostile strings through it, tests/goldpipe/deploy)."""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

import jinja2

from goldpipe.core.errors import ConfigError

_ESCAPES = re.compile(r"(\\\\)|\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral(match: re.Match[str]) -> str:
    if match.group(1):
        return match.group(1)
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"


def _yaml_float(number: float) -> str:
    """A float YAML 1.1 reads back as that float: it needs a '.' and a signed exponent."""
    if not math.isfinite(number):
        raise ConfigError(f"cannot render the number {number!r}")
    text = repr(number)
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (e + exponent if e else "")


def _floats_out(value: Any, floats: list[float], token: str) -> Any:
    """Replace floats by placeholder strings (json.dumps cannot be told how to write them)."""
    if isinstance(value, float):
        floats.append(value)
        return f"{token}{len(floats) - 1}"
    if isinstance(value, Mapping):
        return {str(k): _floats_out(v, floats, token) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_floats_out(v, floats, token) for v in value]
    return value


def to_yaml(value: Any) -> str:
    """A value as one YAML flow node: JSON, ASCII-only, with YAML's escape for astral characters.

    JSON is YAML; JSON strings are double-quoted with every control character escaped, so no
    value can end a line, open a comment, start a document or inject a key. Python's JSON
    writes a character beyond the BMP as a UTF-16 surrogate pair, which YAML would decode as
    two broken characters: those become ``\\UXXXXXXXX``.
    """
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises here, naming the missing variable
    floats: list[float] = []
    token = f"float-{uuid.uuid4().hex}-"
    text = json.dumps(_floats_out(value, floats, token), ensure_ascii=True, separators=(", ", ": "))
    text = re.sub(f'"{token}(\\d+)"', lambda m: _yaml_float(floats[int(m.group(1))]), text)
    return _ESCAPES.sub(_astral, text)
