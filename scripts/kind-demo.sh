#!/usr/bin/env bash
# goldpipe on a local kind cluster: the whole chart with the Spark Operator, goldpipe's images
# built from this checkout (scripts/build-images.sh --docker) and loaded from their archives,
# and a few days of synthetic silver in the embedded lakehouse (scripts/seed-cluster.sh).
# Needs Docker (a running daemon), kind, kubectl and helm, Go and Python 3.11 with `make setup`
# done (the build stages wheels, jars and the operator binary), and internet access (Docker
# Hub's debian image, Debian's archive, PyPI, Maven Central, the Go module proxy). Every step is
# re-runnable: an existing cluster, release or seeded lakehouse is reused.
#
# usage: scripts/kind-demo.sh [up|down]
#   up    (default) create or reuse the cluster, build and load the images, install the chart,
#         seed silver, print how to run and watch the gold jobs
#   down  delete the kind cluster (and with it the lakehouse)
# env: KIND_CLUSTER        cluster name (default goldpipe; kubectl context kind-<name>)
#      KIND_NODE_IMAGE     node image (default: the one of kind v0.32.0, Kubernetes 1.36.1)
#      GOLDPIPE_NAMESPACE  release namespace (default analytics)
#      GOLDPIPE_RELEASE    helm release name (default goldpipe)
#      GOLDPIPE_SEED_DAYS  days of synthetic silver, ending yesterday (default 3)
#      GOLDPIPE_SEED_REPLACE=1  seed again, replacing existing silver
#      HELM                helm binary (default: .tools/bin/helm if present, else helm on PATH)
#      GOLDPIPE_IMAGES_CACHE, DEBIAN_IMAGE, DEBIAN_MIRROR, IMAGE_PLATFORM: see scripts/build-images.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cluster="${KIND_CLUSTER:-goldpipe}"
# kind v0.32.0's default node image, pinned by digest. A node image belongs to a kind release:
# with another kind version, set KIND_NODE_IMAGE to one from that release's notes.
node_image="${KIND_NODE_IMAGE:-kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5}"
namespace="${GOLDPIPE_NAMESPACE:-analytics}"
release="${GOLDPIPE_RELEASE:-goldpipe}"
seed_days="${GOLDPIPE_SEED_DAYS:-3}"
seed_replace="${GOLDPIPE_SEED_REPLACE:-0}"
context="kind-${cluster}"
images_cache="${GOLDPIPE_IMAGES_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/goldpipe/images}"

usage() {
  echo "usage: scripts/kind-demo.sh [up|down]" >&2
  exit 2
}

die() {
  echo "error: $*" >&2
  exit 1
}

# with_timeout SECONDS CMD...: CMD, stopped after SECONDS where timeout(1) exists (gtimeout on macOS).
with_timeout() {
  local secs="$1"
  shift
  if command -v timeout >/dev/null 2>&1; then
    timeout "$secs" "$@"
  elif command -v gtimeout >/dev/null 2>&1; then
    gtimeout "$secs" "$@"
  else
    "$@"
  fi
}

# First, and fast: without a Docker daemon nothing else can work (kind nodes are containers).
require_docker() {
  local err rc
  if ! command -v docker >/dev/null 2>&1; then
    die "docker not found on PATH: this script needs Docker (a running daemon), kind, kubectl and helm; see README"
  fi
  rc=0
  err="$(with_timeout 20 docker info --format '{{.ServerVersion}}' 2>&1 >/dev/null)" || rc=$?
  if ((rc != 0)); then
    if ((rc == 124)); then err="no answer within 20s"; fi
    echo "error: docker daemon not reachable: this script needs Docker; see README" >&2
    echo "       (docker info: ${err%%$'\n'*})" >&2
    exit 1
  fi
  echo "ok       docker $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '(daemon reachable)')"
}

require_tool() {
  command -v "$1" >/dev/null 2>&1 ||
    die "$1 not found on PATH: this script needs Docker, kind, kubectl and helm; see README ($2)"
}

helm_bin() {
  if [[ -n "${HELM:-}" ]]; then
    echo "$HELM"
  elif [[ -x "$root/.tools/bin/helm" ]]; then
    echo "$root/.tools/bin/helm"
  else
    echo helm
  fi
}

# The chart's resource names for this release (templates/_helpers.tpl: goldpipe.fullname).
fullname() {
  case "$release" in
    *goldpipe*) echo "$release" ;;
    *) echo "${release}-goldpipe" ;;
  esac
}

yesterday() {
  date -u -d yesterday +%F 2>/dev/null || date -u -v-1d +%F
}

ensure_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
    echo "ok       kind cluster ${cluster}"
  else
    echo "creating kind cluster ${cluster} (${node_image%%@*})"
    kind create cluster --name "$cluster" --image "$node_image" --wait 180s
  fi
  if ! with_timeout 60 kubectl --context "$context" get --raw /readyz >/dev/null; then
    die "kind cluster ${cluster} does not answer (kubectl context ${context}); 'scripts/kind-demo.sh down' and run again"
  fi
}

# build_and_load DOCKERFILE IMAGE: build IMAGE, load it into the cluster; rebuilt=1 if its ID changed.
# The archive of an image (scripts/build-images.sh): its file name changes with its content.
archive() { readlink -f "${images_cache}/$1.oci.tar" 2>/dev/null || true; }

up() {
  require_docker
  require_tool kind "https://kind.sigs.k8s.io/"
  require_tool kubectl "https://kubernetes.io/docs/tasks/tools/"
  local helm
  helm="$(helm_bin)"
  command -v "$helm" >/dev/null 2>&1 ||
    die "helm not found (${helm}): this script needs Docker, kind, kubectl and helm; see README (scripts/install-tools.sh builds the pinned one)"
  echo "ok       $(kind version)"

  local name controller seed_job existed before image rebuilt=0
  name="$(fullname)"
  controller="${name:0:52}"
  controller="${controller%-}-controller"
  seed_job="${release:0:58}-seed" # scripts/seed-cluster.sh's Job

  ensure_cluster

  before="$(archive controller)"
  "${root}/scripts/build-images.sh" --docker
  [[ "$before" == "$(archive controller)" ]] || rebuilt=1
  for image in spark controller operator; do
    echo "loading  ${image} into kind cluster ${cluster}"
    kind load image-archive --name "$cluster" "$(archive "$image")"
  done

  HELM="$helm" "${root}/scripts/vendor-spark-operator.sh"

  existed=0
  if "$helm" status "$release" --kube-context "$context" -n "$namespace" >/dev/null 2>&1; then existed=1; fi
  echo "installing helm release ${release} in namespace ${namespace} (with the Spark Operator)"
  "$helm" upgrade --install "$release" "$root" \
    --kube-context "$context" --namespace "$namespace" --create-namespace \
    --set sparkOperator.enabled=true \
    --set "spark-operator.spark.jobNamespaces={${namespace}}" \
    --wait --timeout 10m
  # Same tag, new build: the running pod still has the old image.
  if ((existed && rebuilt)); then
    echo "restarting deployment/${controller} (new image build)"
    kubectl --context "$context" -n "$namespace" rollout restart "deployment/${controller}" >/dev/null
  fi
  echo "waiting  for deployment/${controller}"
  kubectl --context "$context" -n "$namespace" rollout status "deployment/${controller}" --timeout=5m

  if [[ "$seed_replace" != "1" ]] &&
    [[ "$(kubectl --context "$context" -n "$namespace" get job "$seed_job" -o jsonpath='{.status.succeeded}' 2>/dev/null)" == "1" ]]; then
    echo "ok       silver seeded (job/${seed_job}; GOLDPIPE_SEED_REPLACE=1 to seed again)"
  else
    local replace=()
    if [[ "$seed_replace" == "1" ]]; then replace=(--replace); fi
    KUBE_CONTEXT="$context" GOLDPIPE_NAMESPACE="$namespace" GOLDPIPE_RELEASE="$release" \
      "${root}/scripts/seed-cluster.sh" --days "$seed_days" "${replace[@]}"
  fi

  local day k run_opts=""
  day="$(yesterday)"
  k="kubectl --context ${context} -n ${namespace}"
  if [[ "$release" != "goldpipe" ]]; then run_opts=" --release ${release}"; fi
  cat <<EOF

goldpipe is running in kind cluster "${cluster}", namespace "${namespace}".
The nightly schedule runs every gold job at 02:00 UTC (--date auto). A one-off run now:

  ${k} exec deployment/${controller} -- goldpipe run daily_sales_summary --date ${day} --wait${run_opts}

Watch the schedules and the runs (the goldpipe.io/checks label as a column):

  ${k} get scheduledsparkapplications,sparkapplications -L goldpipe.io/checks -w

Driver logs of a run, and the controller's:

  ${k} logs -f -l spark-role=driver
  ${k} logs -f deployment/${controller}

Done: scripts/kind-demo.sh down. The vendored operator chart replaced the placeholder in
charts/; to restore it: rm charts/spark-operator-*.tgz && git checkout -- charts/spark-operator
EOF
}

down() {
  require_docker
  require_tool kind "https://kind.sigs.k8s.io/"
  if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
    echo "deleting kind cluster ${cluster}"
    kind delete cluster --name "$cluster"
  else
    echo "ok       no kind cluster ${cluster}"
  fi
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  -h | --help | help)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"
    ;;
  *) usage ;;
esac
