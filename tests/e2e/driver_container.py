"""The Spark image's driver container read as a process: its arguments, its properties file
(Java properties, as spark-submit writes them), the pod fields its environment refers to."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any


class PodStartError(Exception):
    """The pod cannot start (what a kubelet would report as a waiting reason)."""


def split_driver_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """``--properties-file F --class C main args...`` -> ({option: value}, [main, args...])."""
    options: dict[str, str] = {}
    i = 0
    while i < len(args) and args[i].startswith("--"):
        options[args[i]] = args[i + 1]
        i += 2
    if "--properties-file" not in options or i >= len(args):
        raise PodStartError(f"unexpected driver arguments: {args[:6]}")
    return options, args[i:]


def parse_properties(text: str) -> dict[str, str]:
    """Java properties as spark-submit writes them (``key=value``, ``#`` comments, ``\\`` escapes)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "!")):
            continue
        key, _, value = line.partition("=")
        out[_unescape(key.strip())] = _unescape(value.strip())
    return out


_JAVA_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(text: str) -> str:
    """Java properties escapes: ``\\uXXXX``, ``\\t`` and friends, else the escaped character itself."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code.startswith("u") and len(code) == 5:
            return chr(int(code[1:], 16))
        return _JAVA_ESCAPES.get(code, code)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", one, text)


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace(":", "\\:").replace("=", "\\=")


def field_value(pod: Any, path: str) -> str:
    values = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.nodeName": pod.spec.node_name or "",
        "spec.serviceAccountName": pod.spec.service_account_name or "",
        "status.podIP": "127.0.0.1",  # the process runs on loopback, whatever kwok reported
        "status.hostIP": "127.0.0.1",
    }
    return str(values.get(path, ""))


def java_home() -> str:
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    return str(Path(java).resolve().parent.parent) if java else ""
