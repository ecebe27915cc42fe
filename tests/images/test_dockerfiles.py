"""Static checks of the four Dockerfiles, without building anything: pinned, offline, non-root
images that build the same with buildah here and with `docker build` elsewhere, and that carry
what the chart, values.yaml and the jobs expect inside them. (The node tier runs the built
images; tests/images/test_archives.py reads what the build made.)"""

from __future__ import annotations

import json
import posixpath
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.dockerfile import Dockerfile, DockerIgnore, copies, env_of, parse_dockerfile

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ("base", "spark", "controller", "operator")
DOCKERFILES = {name: ROOT / "images" / name / "Dockerfile" for name in IMAGES}
BUILD_SCRIPT = (ROOT / "scripts" / "build-images.sh").read_text(encoding="utf-8")
DOCKERIGNORE = DockerIgnore((ROOT / ".dockerignore").read_text(encoding="utf-8"))
VALUES: dict[str, Any] = yaml.safe_load((ROOT / "values.yaml").read_text(encoding="utf-8"))
CHART: dict[str, Any] = yaml.safe_load((ROOT / "Chart.yaml").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
USER = "185:185"


def parsed(name: str) -> Dockerfile:
    return parse_dockerfile(DOCKERFILES[name])


@pytest.fixture(params=IMAGES)
def dockerfile(request: pytest.FixtureRequest) -> Dockerfile:
    return parsed(request.param)


def test_the_reader_sees_the_stages() -> None:
    assert [s.name for s in parsed("base").stages] == [None]
    assert [s.name for s in parsed("spark").stages] == ["venv", None]
    assert [s.name for s in parsed("controller").stages] == ["venv", None]
    assert [s.name for s in parsed("operator").stages] == [None]


# ---- FROM: a build argument with a pinned default ------------------------------------------------


def test_every_from_is_a_build_argument_with_a_tagged_default(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        match = re.fullmatch(r"\$\{(\w+)\}", stage.base)
        assert match, f"{dockerfile.path}: FROM {stage.base} does not come from a build argument"
        default = dockerfile.global_args[match.group(1)]
        name, _, tag = default.split("@")[0].rpartition(":")
        assert name and tag and tag != "latest", default


def test_goldpipe_images_build_on_each_other_with_the_charts_tags() -> None:
    tag = str(CHART["appVersion"])
    assert parsed("spark").global_args["BASE_IMAGE"] == f"ghcr.io/goldpipe/goldpipe-base:{tag}"
    assert parsed("controller").global_args["BASE_IMAGE"] == f"ghcr.io/goldpipe/goldpipe-base:{tag}"
    assert parsed("operator").global_args["SPARK_IMAGE"] == f"{VALUES['image']['repository']}:{tag}"
    assert VALUES["image"]["tag"] == VALUES["controller"]["image"]["tag"] == tag
    operator = VALUES["spark-operator"]["image"]
    assert (operator["registry"], operator["repository"], operator["tag"]) == (
        "ghcr.io", "goldpipe/goldpipe-spark-operator", tag,
    )  # fmt: skip


def test_the_base_starts_from_debian_bookworm_and_a_dated_snapshot_of_its_archive() -> None:
    df = parsed("base")
    assert df.global_args["DEBIAN_IMAGE"] == "docker.io/library/debian:bookworm-slim"
    env_args = {i.rest.split("=")[0]: i.rest.split("=", 1)[1] for i in df.final.all("ARG")}
    assert re.fullmatch(r"\d{8}T\d{6}Z", env_args["DEBIAN_SNAPSHOT"])
    assert env_args["DEBIAN_MIRROR"].startswith("http://snapshot.debian.org/archive/debian/")


def test_every_debian_package_is_pinned() -> None:
    lines = (ROOT / "images" / "base" / "packages.txt").read_text(encoding="utf-8").splitlines()
    packages = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert all(re.fullmatch(r"[0-9][\w.+~:-]*", v) for v in packages.values()), packages
    assert {"python3", "python3-venv", "openjdk-17-jre-headless", "tini", "ca-certificates"} <= set(packages)
    assert packages["python3"].startswith("3.11.")  # goldpipe's Python (pyproject.toml)
    assert PYPROJECT["requires-python"] == ">=3.11"
    run = " ".join(i.rest for i in parsed("base").final.all("RUN"))
    assert "/tmp/packages.txt" in run and "--no-install-recommends" in run


# ---- the user, the entrypoints --------------------------------------------------------------------


def test_the_final_stage_runs_as_the_unprivileged_user_185(dockerfile: Dockerfile) -> None:
    users = dockerfile.final.all("USER")
    assert users and users[-1].rest == USER, dockerfile.path


def test_the_base_creates_that_user_and_the_pods_run_as_it() -> None:
    run = " ".join(i.rest for i in parsed("base").final.all("RUN"))
    assert "--uid 185" in run and "--gid 185" in run
    for section in (VALUES["spark"], VALUES["controller"]):
        context = section["podSecurityContext"]
        assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (185, 185, 185)
        assert context["runAsNonRoot"] is True
        assert section["securityContext"]["readOnlyRootFilesystem"] is True


def test_tini_is_pid_1_of_every_image_that_runs_a_process() -> None:
    expected = {
        "spark": ["/usr/bin/tini", "-s", "--", "/opt/goldpipe/entrypoint.sh"],
        "controller": ["/usr/bin/tini", "--", "goldpipe"],
        "operator": ["/usr/bin/tini", "-s", "--", "/usr/local/bin/spark-operator"],
    }
    for name, entrypoint in expected.items():
        assert json.loads(parsed(name).final.all("ENTRYPOINT")[-1].rest) == entrypoint, name
    # The chart passes the controller's subcommand as args, so the entrypoint stays.
    template = (ROOT / "templates" / "controller-deployment.yaml").read_text(encoding="utf-8")
    assert 'args: ["controller", "--config-dir", "/etc/goldpipe"]' in template
    assert "command:" not in template


def test_the_spark_entrypoint_is_executable_in_the_image() -> None:
    [(flags, dest)] = [
        (f, d) for _, _, f, s, d in copies(parsed("spark")) if s == ["images/spark/entrypoint.sh"]
    ]
    assert flags.get("chmod") == "0755" and dest == "/opt/goldpipe/entrypoint.sh"
    assert (ROOT / "images" / "spark" / "entrypoint.sh").stat().st_mode & 0o111


# ---- offline builds: every input staged, nothing downloaded ------------------------------------------

_DOWNLOADERS = re.compile(
    # pip's `install`, but not `uninstall`, without --no-index before the next command
    r"\b(curl|wget)\b|https?://(?!snapshot\.debian\.org)|\bpip [^;]*\binstall\b(?![^;]*--no-index)"
)


def test_no_build_step_downloads_anything_but_debian_packages(dockerfile: Dockerfile) -> None:
    for stage in dockerfile.stages:
        for ins in stage.all("RUN") + stage.all("ADD"):
            assert not _DOWNLOADERS.search(ins.rest), f"{dockerfile.path}:{ins.line}: {ins.rest[:120]}"


def test_run_lines_use_no_variables_of_their_own(dockerfile: Dockerfile) -> None:
    """buildah expands ${name} and $name in a RUN line like a build argument, before the shell sees
    it: a loop variable comes out empty (a check that passes anyway, or a wrong path)."""
    known = set(dockerfile.global_args)
    for stage in dockerfile.stages:
        known |= {i.rest.split("=")[0] for i in stage.all("ARG")} | set(env_of(stage))
        for ins in stage.all("RUN"):
            used = set(re.findall(r"\$\{?([A-Za-z_]\w*)", ins.rest))
            assert used <= known, f"{dockerfile.path}:{ins.line}: {sorted(used - known)}"


def test_every_copy_source_is_in_the_build_context(dockerfile: Dockerfile) -> None:
    for _stage, ins, flags, sources, _dest in copies(dockerfile):
        if "from" in flags:
            continue
        for source in sources:
            where = f"{dockerfile.path}:{ins.line}: {source}"
            assert not DOCKERIGNORE.excluded(source.rstrip("/")), f"{where} is excluded by .dockerignore"
            if source.startswith(".images/"):
                # Staged by scripts/build-images.sh (git-ignored): the script must put it there.
                staged = source.removeprefix(".images/").rstrip("/")
                assert "${stage}/" + staged.split("/")[0] in BUILD_SCRIPT, f"{where} is never staged"
            else:
                assert (ROOT / source).exists(), f"{where} does not exist"


@pytest.mark.parametrize("path", [".git/HEAD", ".venv/bin/python", ".tools/bin/helm", ".cluster/kubeconfig",
                                  "tests/node/conftest.py", "localcluster/cluster.py", "docs/chart.md",
                                  "goldpipe/__pycache__/x.cpython-311.pyc"])  # fmt: skip
def test_the_build_context_leaves_out(path: str) -> None:
    assert DOCKERIGNORE.excluded(path)


# ---- Python: hash-locked, and what each image needs ---------------------------------------------------


def _lock(image: str) -> dict[str, str]:
    text = (ROOT / "images" / image / "requirements.txt").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9][\w.-]*)==(\S+)", text, re.M))
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.strip())
    assert all("--hash=sha256:" in e for e in entries), (
        f"images/{image}/requirements.txt: an entry without hashes"
    )
    return {name.lower().replace("_", "-"): version for name, version in pins.items()}


def _pins(requirements: list[str]) -> dict[str, str]:
    return {
        re.split(r"[\[=]", r)[0].lower().replace("_", "-"): r.split("==")[1].split(";")[0].strip()
        for r in requirements
    }


def test_the_locks_install_exactly_what_pyproject_pins() -> None:
    controller = _lock("controller")
    for name, version in _pins(PYPROJECT["dependencies"]).items():
        assert controller.get(name) == version, (name, version)
    assert "pyspark" not in controller  # no Spark, no JVM work in the controller
    spark = _lock("spark")
    assert _pins(PYPROJECT["optional-dependencies"]["spark"]) == {"pyspark": VALUES["spark"]["version"]}
    assert spark["pyspark"] == VALUES["spark"]["version"]
    assert set(spark) == {"pyspark", "py4j"}


def test_pip_installs_with_hashes_from_the_staged_wheelhouse_only() -> None:
    for image in ("spark", "controller"):
        run = " ".join(i.rest for i in parsed(image).stage("venv").all("RUN"))
        assert "--require-hashes" in run and "--no-index" in run and "--find-links /tmp/wheels" in run, image


def _job_imports() -> tuple[set[str], set[str]]:
    """(our modules, third-party packages) spark_apps/ imports at run time, transitively: grimp's
    import graph, the one `lint-imports` checks (TYPE_CHECKING imports left out)."""
    import grimp

    graph = grimp.build_graph(
        "goldpipe", "spark_apps", include_external_packages=True, exclude_type_checking_imports=True
    )
    jobs = {m for m in graph.modules if m == "spark_apps" or m.startswith("spark_apps.")}
    reached = set(jobs)
    for module in jobs:
        reached |= graph.find_upstream_modules(module)
    ours = {m for m in reached if m.split(".")[0] in ("goldpipe", "spark_apps")}
    packages = {".".join(m.split(".")[:n]) for m in ours for n in range(1, m.count(".") + 1)}
    return ours | packages, {m.split(".")[0] for m in reached - ours}


def test_the_spark_image_holds_every_module_the_jobs_import_and_no_other() -> None:
    ours, third_party = _job_imports()
    assert "goldpipe.core.contract" in ours
    df = parsed("spark")
    copied = set()
    for stage, _, flags, sources, _ in copies(df):
        if stage is not df.final or "from" in flags:
            continue
        for source in sources:
            path = ROOT / source
            for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
                if file.suffix == ".py" and "__pycache__" not in file.parts:
                    parts = file.relative_to(ROOT).with_suffix("").parts
                    copied.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert not ours - copied, f"the Spark image lacks {sorted(ours - copied)}"
    assert not copied - ours, f"the Spark image ships unused {sorted(copied - ours)}"
    assert third_party - {"__future__"} - set(sys.stdlib_module_names) <= set(_lock("spark"))


# ---- the Spark image: jars, entrypoint file, logging ----------------------------------------------


def test_the_jars_are_the_locked_ones_on_every_jvms_class_path() -> None:
    df = parsed("spark")
    env = env_of(df.final)
    assert env["SPARK_HOME"] == "/opt/venv/lib/python3.11/site-packages/pyspark"
    final = {tuple(s): (f, d) for st, _, f, s, d in copies(df) if st is df.final and "from" not in f}
    assert final[(".images/jars/",)][1] == "${SPARK_HOME}/jars/"
    # The staging reads goldpipe/lakehouse/jars.lock and checks each jar's SHA-1.
    assert "goldpipe/lakehouse/jars.lock" in BUILD_SCRIPT and "sha1sum --check" in BUILD_SCRIPT
    assert "install -m 0644" in BUILD_SCRIPT  # readable by 185: a jar the JVM cannot read is skipped


def test_the_jobs_are_where_values_yaml_looks() -> None:
    df = parsed("spark")
    final = {tuple(s): d for st, _, f, s, d in copies(df) if st is df.final and "from" not in f}
    for key in (VALUES["spark"]["mainApplicationFile"], VALUES["maintenance"]["mainApplicationFile"]):
        path = key.removeprefix("local://")
        assert posixpath.dirname(path) + "/" == final[("spark_apps/",)]
        assert (ROOT / "spark_apps" / posixpath.basename(path)).is_file()
    assert final[("goldpipe/core/",)] == "/opt/goldpipe/goldpipe/core/"
    env = env_of(df.final)
    assert env["PYTHONPATH"] == "/opt/goldpipe"
    assert env["PYSPARK_PYTHON"] == env["PYSPARK_DRIVER_PYTHON"] == "/opt/venv/bin/python"
    # Spark on Kubernetes mounts the pod's spark.properties at /opt/spark/conf (SPARK_CONF_DIR).
    assert env["SPARK_CONF_DIR"] == "/opt/spark/conf"


def test_the_cluster_logging_config_is_used() -> None:
    df = parsed("spark")
    match = re.search(r"-Dlog4j2\.configurationFile=(\S+)", env_of(df.final)["JAVA_TOOL_OPTIONS"])
    assert match
    dests = {d for _, _, _, s, d in copies(df) if s == ["images/spark/log4j2.properties"]}
    assert dests == {match.group(1)}
    assert not match.group(1).startswith("/opt/spark/conf/")  # Spark mounts a ConfigMap there


# ---- the controller and operator images --------------------------------------------------------------


def test_the_controller_carries_the_chart_files_templates_and_crds() -> None:
    df = parsed("controller")
    env = env_of(df.final)
    assert (env["HOME"], env["PYTHONDONTWRITEBYTECODE"]) == ("/tmp", "1")
    final = {tuple(s): d for st, _, f, s, d in copies(df) if st is df.final and "from" not in f}
    assert final[("manifests/",)] == env["GOLDPIPE_MANIFESTS_DIR"] + "/"
    assert final[("Chart.yaml", "values.schema.json", "values.yaml")] == env["GOLDPIPE_CHART_DIR"] + "/"
    # The CRDs of the pinned operator module, staged from scripts/install-tools.sh spark-operator.
    assert final[(".images/crds/",)] == env["GOLDPIPE_CRDS_DIR"] + "/"
    assert '"${root}/.tools/crds/"*.yaml' in BUILD_SCRIPT


def test_the_operator_is_the_pinned_module_on_the_spark_image() -> None:
    df = parsed("operator")
    [(sources, dest)] = [(s, d) for _, _, f, s, d in copies(df)]
    assert sources == [".images/bin/spark-operator"] and dest == "/usr/local/bin/spark-operator"
    assert 'install-tools.sh" spark-operator' in BUILD_SCRIPT
    module = (ROOT / "tools" / "spark-operator" / "go.mod").read_text(encoding="utf-8")
    [dependency] = [d for d in CHART["dependencies"] if d["name"] == "spark-operator"]
    assert f"github.com/kubeflow/spark-operator/v2 v{dependency['version']}" in module
