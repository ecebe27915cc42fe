"""scripts/kind-demo.sh, the laptop path with Docker and kind, without a Docker engine: the
script runs against stand-ins for docker, kind, kubectl and helm, and for the project scripts it
calls (build-images.sh, vendor-spark-operator.sh, seed-cluster.sh: each tested for real
elsewhere), which record their calls. What is checked is the order of things and their
arguments."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIND_DEMO = ROOT / "scripts" / "kind-demo.sh"
ARCHIVES = ("spark", "controller", "operator")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIND_", "GOLDPIPE_", "DOCKER_", "KUBE"))}
    env.pop("HELM", None)
    env.update(extra)
    return env


@pytest.mark.parametrize("command", ["up", "down"])
def test_it_fails_fast_without_a_docker_daemon(command: str) -> None:
    start = time.monotonic()
    result = subprocess.run(
        ["bash", str(KIND_DEMO), command],
        capture_output=True,
        text=True,
        env=_clean_env(DOCKER_HOST="unix:///nonexistent.sock"),
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # "docker daemon not reachable: ..." with a docker client, "docker not found ..." without.
    assert "this script needs Docker" in result.stderr and "see README" in result.stderr
    assert time.monotonic() - start < 10


def test_usage() -> None:
    result = subprocess.run(["bash", str(KIND_DEMO), "sideways"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "usage: scripts/kind-demo.sh [up|down]" in result.stderr


# Stand-ins: each appends its command line to $STUB_LOG and keeps what the demo would change
# (cluster, release, seed job, image archives) as files in $STUB_STATE.
_STUBS = {
    "bin/docker": r"""
echo "docker $*" >>"$STUB_LOG"
case "$1" in info | version) echo 28.0.0 ;; esac
""",
    "bin/kind": r"""
echo "kind $*" >>"$STUB_LOG"
case "$1 ${2:-}" in
  "get clusters") if [[ -f "$STUB_STATE/cluster" ]]; then echo goldpipe; fi ;;
  "create cluster") touch "$STUB_STATE/cluster" ;;
  "delete cluster") rm -f "$STUB_STATE/cluster" ;;
  "version "*) echo "kind v0.32.0 go1.25.0 linux/amd64" ;;
esac
""",
    "bin/kubectl": r"""
echo "kubectl $*" >>"$STUB_LOG"
if [[ " $* " == *" get job "* ]]; then [[ -f "$STUB_STATE/seeded" ]] && echo 1; fi
exit 0
""",
    "bin/helm": r"""
echo "helm $*" >>"$STUB_LOG"
case "$1" in
  status) [[ -f "$STUB_STATE/release" ]] || exit 1 ;;
  upgrade) touch "$STUB_STATE/release" ;;
esac
""",
    "repo/scripts/build-images.sh": r"""
echo "build-images.sh $*" >>"$STUB_LOG"
for image in spark controller operator; do
  touch "$GOLDPIPE_IMAGES_CACHE/$image-${STUB_KEY:-1}.oci.tar"
  ln -sfn "$image-${STUB_KEY:-1}.oci.tar" "$GOLDPIPE_IMAGES_CACHE/$image.oci.tar"
done
""",
    "repo/scripts/vendor-spark-operator.sh": r"""
echo "vendor-spark-operator.sh $* HELM=$HELM" >>"$STUB_LOG"
""",
    "repo/scripts/seed-cluster.sh": r"""
echo "seed-cluster.sh $* KUBE_CONTEXT=$KUBE_CONTEXT GOLDPIPE_NAMESPACE=$GOLDPIPE_NAMESPACE" >>"$STUB_LOG"
touch "$STUB_STATE/seeded"
""",
}


@dataclass
class Demo:
    root: Path
    bin: Path
    state: Path
    cache: Path
    log: Path

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(self.root / "scripts" / "kind-demo.sh"), *args],
            capture_output=True,
            text=True,
            env=_clean_env(
                **{
                    "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
                    "STUB_LOG": str(self.log),
                    "STUB_STATE": str(self.state),
                    "HELM": str(self.bin / "helm"),
                    "GOLDPIPE_IMAGES_CACHE": str(self.cache),
                    **env,
                }
            ),
            timeout=120,
            check=False,
        )

    def calls(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []


@pytest.fixture
def demo(tmp_path: Path) -> Demo:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(KIND_DEMO, root / "scripts" / "kind-demo.sh")
    for name, body in _STUBS.items():
        stub = tmp_path / name
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/usr/bin/env bash\nset -u\n" + body.lstrip())
        stub.chmod(0o755)
    for directory in ("state", "cache"):
        (tmp_path / directory).mkdir()
    return Demo(root, tmp_path / "bin", tmp_path / "state", tmp_path / "cache", tmp_path / "calls.log")


def test_up_builds_loads_installs_and_seeds_in_order(demo: Demo) -> None:
    result = demo.run("up")
    assert result.returncode == 0, result.stdout + result.stderr
    calls = demo.calls()
    [create] = [c for c in calls if c.startswith("kind create cluster")]
    assert re.search(r"--name goldpipe --image kindest/node:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", create)
    assert "build-images.sh --docker" in calls
    loads = [c for c in calls if c.startswith("kind load")]
    assert loads == [
        f"kind load image-archive --name goldpipe {demo.cache}/{name}-1.oci.tar" for name in ARCHIVES
    ]
    upgrade = next(c for c in calls if c.startswith("helm upgrade --install"))
    for part in (
        f"helm upgrade --install goldpipe {demo.root} ",
        "--kube-context kind-goldpipe --namespace analytics --create-namespace",
        "--set sparkOperator.enabled=true",
        "--set spark-operator.spark.jobNamespaces={analytics}",
        "--wait",
    ):
        assert part in upgrade
    seed = next(c for c in calls if c.startswith("seed-cluster.sh"))
    assert seed == "seed-cluster.sh --days 3 KUBE_CONTEXT=kind-goldpipe GOLDPIPE_NAMESPACE=analytics"
    order = [next(i for i, c in enumerate(calls) if c.startswith(p)) for p in
             ("kind create", "build-images.sh", "kind load", "vendor-spark-operator.sh", "helm upgrade", "seed-cluster.sh")]  # fmt: skip
    assert order == sorted(order)
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()
    assert f"goldpipe run daily_sales_summary --date {yesterday}" in result.stdout


def test_up_again_reuses_the_cluster_and_the_seed_and_restarts_the_controller_on_a_new_build(
    demo: Demo,
) -> None:
    assert demo.run("up").returncode == 0
    demo.log.unlink()
    result = demo.run("up", STUB_KEY="2")  # the images changed
    assert result.returncode == 0, result.stdout + result.stderr
    calls = demo.calls()
    assert not [c for c in calls if c.startswith("kind create")]
    assert not [c for c in calls if c.startswith("seed-cluster.sh")]
    assert "ok       kind cluster goldpipe" in result.stdout
    assert "ok       silver seeded" in result.stdout
    assert any("rollout restart deployment/goldpipe-controller" in c for c in calls)


def test_down_deletes_the_cluster_once(demo: Demo) -> None:
    assert demo.run("up").returncode == 0
    result = demo.run("down")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kind delete cluster --name goldpipe" in demo.calls()
    again = demo.run("down")
    assert again.returncode == 0 and "ok       no kind cluster goldpipe" in again.stdout


def test_it_names_a_missing_tool(demo: Demo) -> None:
    (demo.bin / "kind").unlink()
    path = os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "kind").exists()
    )
    result = demo.run("up", PATH=f"{demo.bin}{os.pathsep}{path}")
    assert result.returncode == 1
    assert "kind not found on PATH" in result.stderr
