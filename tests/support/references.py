"""The repository paths and Python modules that prose names: docs, comments, docstrings, the
chart's comments and values, the schema's descriptions. tests/test_references.py fails on any
that does not exist (issue 21, finding 4): a moved file or module leaves no stale pointer.

What counts as a reference:
  - a path with a directory part whose first segment is a top-level directory of the repository
    (`goldpipe/checks/rules.py`, `tests/support/`, `images/spark/Dockerfile`); relative to
    the root, to the naming file's directory or, as docs/architecture.md writes modules, to
    goldpipe/;
  - any other path or bare file name with one of `EXTENSIONS` (`README.md`, `day.py`):
    a bare name must be the name of some file of the repository;
  - a dotted name starting with a package of the repository (`goldpipe.checks.rules`,
    `spark_apps.gold.watermark`): the longest prefix that is a module must exist and the next
    segment, if any, must be a name that module defines or imports.
Paths inside URLs, absolute paths (inside images: `/opt/goldpipe/...`) and patterns (`*`, `<`,
`{`, `$`) are not references.
"""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("goldpipe", "spark_apps", "localcluster", "tests", "benchmarks")
EXTENSIONS = ("py", "md", "sh", "yaml", "yml", "json", "tpl", "j2", "gotmpl", "lock", "toml", "txt")
# Bare file names (no directory) are checked only for these: a bare `config.yaml` or `go.mod`
# is often a file of another project or of a user's machine.
BARE_EXTENSIONS = ("py", "md", "sh", "tpl", "j2", "gotmpl")

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+", re.I)
# Not preceded by a path or word character: `/opt/x/y.py` and `~/.cache/...` do not count.
_PATH = re.compile(r"(?<![\w./~$@:*<{-])(\.?[\w][\w.-]*(?:/[\w.-]+)*/?)")
_DOTTED = re.compile(rf"(?<![\w./-])((?:{'|'.join(PACKAGES)})(?:\.[A-Za-z_]\w*)+)(?![\w/-]|\.\w)")


@dataclass(frozen=True)
class Reference:
    source: str  # the naming file, relative to the root
    line: int
    name: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.name}"


@cache
def tracked_files() -> tuple[str, ...]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return tuple(name for name in out.splitlines() if (ROOT / name).exists())


@cache
def _top_dirs() -> frozenset[str]:
    return frozenset(name.split("/", 1)[0] for name in tracked_files() if "/" in name)


@cache
def _base_names() -> frozenset[str]:
    return frozenset(Path(name).name for name in tracked_files())


# --- the prose of each kind of file ----------------------------------------------------------


def _python_prose(text: str) -> Iterator[tuple[int, str]]:
    """Comments and docstrings: the code itself is checked by running it."""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring is not None:
                yield from _lines(docstring, node.body[0].lineno)


def _lines(text: str, first: int = 1) -> Iterator[tuple[int, str]]:
    yield from enumerate(text.splitlines(), first)


def _hash_comments(text: str) -> Iterator[tuple[int, str]]:
    for number, line in _lines(text):
        if "#" in line:
            yield number, line[line.index("#") :]


def _template_comments(text: str) -> Iterator[tuple[int, str]]:
    for match in re.finditer(r"\{\{-?\s*/\*(.*?)\*/\s*-?\}\}", text, re.S):
        yield from _lines(match.group(1), text.count("\n", 0, match.start()) + 1)


def _schema_descriptions(text: str) -> Iterator[tuple[int, str]]:
    for number, line in _lines(text):
        if re.match(r'\s*"(description|\$comment|title)":', line):
            yield number, json.loads("{" + line.strip().rstrip(",") + "}").popitem()[1]


def _helmignore(text: str) -> Iterator[tuple[int, str]]:
    """Comments and patterns: a pattern anchored at the root (`/X.md`) names a file there."""
    for number, line in _lines(text):
        yield number, line.lstrip("/")


def prose(path: str, text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of the parts of a file that are written for people."""
    name = Path(path).name
    if path.endswith(".md"):
        yield from _lines(text)
    elif path.endswith(".py"):
        yield from _python_prose(text)
    elif path.endswith(".tpl") or path.startswith("templates/"):
        yield from _template_comments(text)
        yield from _hash_comments(text) if not path.endswith(".tpl") else iter(())
    elif path == "values.yaml":
        yield from _lines(text)  # the values too: `mainApplicationFile`s, image names
    elif path == "values.schema.json":
        yield from _schema_descriptions(text)
    elif name == ".helmignore":
        yield from _helmignore(text)
    elif path.endswith((".sh", ".yaml", ".yml", ".toml")) or name in (
        "Makefile",
        "Dockerfile",
        ".dockerignore",
    ):
        yield from _hash_comments(text)


def sources() -> list[str]:
    """The files whose prose is checked: not vendored charts, not the recorded results."""
    return [
        name
        for name in tracked_files()
        if not name.startswith(("charts/", "benchmarks/results"))
        and (
            name.endswith((".md", ".py", ".sh", ".tpl", ".toml"))
            or name.startswith("templates/")
            or Path(name).name in ("Makefile", "Dockerfile", ".dockerignore", ".helmignore")
            or name in ("values.yaml", "values.schema.json", "Chart.yaml")
        )
    ]


# --- resolving names -------------------------------------------------------------------------


@cache
def _template_names() -> frozenset[str]:
    """The chart's named templates (`goldpipe.fullname`), which look like modules."""
    texts = (path.read_text(encoding="utf-8") for path in (ROOT / "templates").glob("*.tpl"))
    return frozenset(name for text in texts for name in re.findall(r'define "([\w.]+)"', text))


def _path_exists(token: str, source: str) -> bool:
    token = token.rstrip("/")
    bases = (ROOT, (ROOT / source).parent, ROOT / "goldpipe")
    if any((base / token).exists() for base in bases):
        return True
    return "/" not in token and token in _base_names()


def _is_path_reference(token: str) -> bool:
    if ".." in token:
        return False
    stem = token.rstrip("/")
    if any(part.isupper() for part in stem.split("/")[:-1]):
        return False  # a placeholder: images/IMAGE/Dockerfile
    if "/" in stem:
        return stem.split("/", 1)[0] in _top_dirs() or stem.rsplit(".", 1)[-1] in EXTENSIONS
    return "." in stem and stem.rsplit(".", 1)[-1] in BARE_EXTENSIONS and not stem.startswith(".")


@cache
def _module_names(path: Path) -> frozenset[str]:
    """The names a module defines or imports at its top level (and in its classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return frozenset(names)


def _module_exists(dotted: str) -> bool:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:end])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if module.is_file():
            rest = parts[end:]
            if not rest:
                return True
            return rest[0] in _module_names(module)
    return False


def references(source: str, text: str | None = None) -> Iterator[Reference]:
    """The names ``source`` (a path relative to the root) holds; ``text``: its content if not
    the file's."""
    if text is None:
        text = (ROOT / source).read_text(encoding="utf-8")
    for line, prose_line in prose(source, text):
        text = _URL.sub(" ", prose_line)
        text = _URL.sub(" ", text)
        for match in _DOTTED.finditer(text):
            dotted = match.group(1)
            if dotted.rsplit(".", 1)[-1] not in EXTENSIONS:
                yield Reference(source, line, dotted)
        for match in _PATH.finditer(text):
            token = match.group(1).rstrip(".")  # a sentence's full stop
            end = match.end()
            if end < len(text) and text[end] in "*<{$":
                continue  # a pattern, not a file
            if _is_path_reference(token):
                yield Reference(source, line, token)


def exists(ref: Reference) -> bool:
    name = ref.name.rstrip("/")
    if _DOTTED.fullmatch(name) and name.rsplit(".", 1)[-1] not in EXTENSIONS:
        return name in _template_names() or _module_exists(name)
    if _path_exists(name, ref.source):
        return True
    # `spark_apps/session.SMALL_DAY_CONF`: a module's file and a name in it.
    stem, _, attribute = name.rpartition(".")
    return "/" in stem and attribute not in EXTENSIONS and _module_exists(name.replace("/", "."))


def dangling(source: str, text: str | None = None, allowed: frozenset[str] = frozenset()) -> list[Reference]:
    return [
        ref for ref in references(source, text) if ref.name.rstrip("/") not in allowed and not exists(ref)
    ]
