"""Readers for the image build files, for the static tests of tests/images: a Dockerfile's stages
and instructions, and Docker's .dockerignore rules. No Docker engine involved."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    rest: str  # everything after the keyword, continuation lines joined
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction]

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass
class Dockerfile:
    path: Path
    directives: dict[str, str]
    global_args: dict[str, str]
    stages: list[Stage]

    @property
    def final(self) -> Stage:
        return self.stages[-1]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def _instructions(text: str) -> Iterator[Instruction]:
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        parts = []
        while line.endswith("\\"):
            parts.append(line[:-1].strip())
            # Comment and empty lines inside a continuation are skipped, as docker does.
            while i < len(lines) and (not lines[i].strip() or lines[i].strip().startswith("#")):
                i += 1
            line = lines[i].strip() if i < len(lines) else ""
            i += 1
        parts.append(line)
        keyword, _, rest = " ".join(p for p in parts if p).partition(" ")
        heredoc = re.search(r"<<-?([\"']?)(\w+)\1", rest)
        if heredoc:  # RUN <<'EOF' ... EOF: the body belongs to the instruction
            body = []
            while i < len(lines) and lines[i].strip() != heredoc.group(2):
                body.append(lines[i])
                i += 1
            i += 1
            rest = "\n".join([rest, *body])
        yield Instruction(keyword.upper(), rest.strip(), start + 1)


def parse_dockerfile(path: Path) -> Dockerfile:
    text = path.read_text(encoding="utf-8")
    directives = {}
    for line in text.splitlines():
        match = re.match(r"^#\s*(\w+)\s*=\s*(\S+)\s*$", line)
        if not match:
            break
        directives[match.group(1).lower()] = match.group(2)
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for ins in _instructions(text):
        if ins.keyword == "FROM":
            words = ins.rest.split()
            words = [w for w in words if not w.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name, []))
        elif not stages:
            assert ins.keyword == "ARG", f"{path.name}:{ins.line}: only ARG may come before FROM"
            key, _, default = ins.rest.partition("=")
            global_args[key.strip()] = default.strip()
        else:
            stages[-1].instructions.append(ins)
    return Dockerfile(path, directives, global_args, stages)


def split_flags(rest: str) -> tuple[dict[str, str], list[str]]:
    """``--flag=value`` options and the arguments of COPY/ADD (shell or JSON form)."""
    words = rest.split()
    flags = {}
    while words and words[0].startswith("--"):
        key, _, value = words.pop(0)[2:].partition("=")
        flags[key] = value
    remainder = " ".join(words)
    args = json.loads(remainder) if remainder.startswith("[") else remainder.split()
    return flags, args


def env_of(stage: Stage) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in stage.all("ENV"):
        for match in re.finditer(r'(\w+)=("[^"]*"|\S+)', ins.rest):
            env[match.group(1)] = match.group(2).strip('"')
    return env


def copies(dockerfile: Dockerfile) -> Iterator[tuple[Stage, Instruction, dict[str, str], list[str], str]]:
    """Every COPY/ADD: its stage, flags, sources and destination."""
    for stage in dockerfile.stages:
        for ins in stage.instructions:
            if ins.keyword in ("COPY", "ADD"):
                flags, args = split_flags(ins.rest)
                yield stage, ins, flags, args[:-1], args[-1]


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus ``**``) as a regular expression."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out.append("(?:.*/)?")
                i += 1
            else:
                out.append(".*")
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = end + 1
            continue
        elif c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$")


class DockerIgnore:
    """Docker's .dockerignore rules: the last matching pattern wins; a match on a parent counts."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line.lstrip("!").strip()
            line = posixpath.normpath(line.lstrip("/"))
            self.rules.append((negated, _glob_regex(line)))

    def excluded(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        result = False
        for negated, regex in self.rules:
            if any(regex.match(c) for c in candidates):
                result = not negated
        return result
