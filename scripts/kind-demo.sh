#!/usr/bin/env bash
# goldpipe on a local kind cluster: the whole chart with the Spark Operator, both images built
# from this checkout, and a few days of synthetic silver in the embedded lakehouse.
# Needs Docker (a running daemon), kind, kubectl and helm, and internet access (base images,
# PyPI, Maven Central, the Spark Operator chart and image). Every step is re-runnable: an
# existing cluster, release or seeded lakehouse is reused.
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
#      DOCKER_BUILD_ARGS   extra arguments of both `docker build`s (e.g. "--build-arg MAVEN_REPO=...")
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
# The repositories of values.yaml (image.repository, controller.image.repository).
spark_repo="ghcr.io/goldpipe/goldpipe-spark"
controller_repo="ghcr.io/goldpipe/goldpipe-controller"
# The uid/gid of the Spark image's `spark` user: the jobs, the controller (values.yaml) and the
# seed job all write the embedded lakehouse volume, so they run as the same user.
spark_uid=185

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

image_id() {
  docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true
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
build_and_load() {
  local dockerfile="$1" image="$2" before after
  before="$(image_id "$image")"
  echo "building ${image} (${dockerfile})"
  # shellcheck disable=SC2086 # DOCKER_BUILD_ARGS is a list of words on purpose
  docker build --file "${root}/${dockerfile}" --tag "$image" ${DOCKER_BUILD_ARGS:-} "$root"
  after="$(image_id "$image")"
  echo "loading  ${image} into kind cluster ${cluster}"
  kind load docker-image --name "$cluster" "$image"
  if [[ -n "$before" && "$before" != "$after" ]]; then
    rebuilt=1
  fi
}

seed_job_manifest() {
  local image="$1" claim="$2" replace_flag=""
  if [[ "$seed_replace" == "1" ]]; then replace_flag=', "--replace"'; fi
  cat <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: ${seed_job}
  namespace: ${namespace}
  labels:
    app.kubernetes.io/name: goldpipe
    app.kubernetes.io/instance: ${release}
    app.kubernetes.io/component: seed
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/name: goldpipe
        app.kubernetes.io/component: seed
    spec:
      restartPolicy: Never
      securityContext:
        runAsNonRoot: true
        runAsUser: ${spark_uid}
        runAsGroup: ${spark_uid}
        fsGroup: ${spark_uid}
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: seed
          image: ${image}
          imagePullPolicy: IfNotPresent
          args: ["seed", "--days", "${seed_days}"${replace_flag}]
          env:
            - name: GOLDPIPE_HOME
              value: /lake
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: lakehouse
              mountPath: /lake
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: lakehouse
          persistentVolumeClaim:
            claimName: ${claim}
        - name: tmp
          emptyDir: {}
EOF
}

# The embedded lakehouse is a volume claim: seeding needs a pod. The controller image has the
# goldpipe CLI with pyiceberg (no Spark needed to write silver), so a Job runs `goldpipe seed` there.
seed() {
  local image="$1" claim="$2" succeeded failed waited=0
  succeeded="$(kubectl --context "$context" -n "$namespace" get job "$seed_job" \
    -o jsonpath='{.status.succeeded}' 2>/dev/null || true)"
  if [[ "$succeeded" == "1" && "$seed_replace" != "1" ]]; then
    echo "ok       silver seeded (job/${seed_job}; GOLDPIPE_SEED_REPLACE=1 to seed again)"
    return 0
  fi
  kubectl --context "$context" -n "$namespace" delete job "$seed_job" --ignore-not-found --wait=true >/dev/null
  echo "seeding  ${seed_days} day(s) of synthetic silver ending yesterday (job/${seed_job})"
  seed_job_manifest "$image" "$claim" | kubectl --context "$context" apply -f - >/dev/null
  while :; do
    succeeded="$(kubectl --context "$context" -n "$namespace" get job "$seed_job" -o jsonpath='{.status.succeeded}')"
    failed="$(kubectl --context "$context" -n "$namespace" get job "$seed_job" -o jsonpath='{.status.failed}')"
    if [[ "$succeeded" == "1" ]]; then
      kubectl --context "$context" -n "$namespace" logs "job/${seed_job}" | tail -n 5 | sed 's/^/         /'
      echo "ok       silver seeded"
      return 0
    fi
    if [[ -n "$failed" && "$failed" != "0" ]]; then
      echo "error: job/${seed_job} failed; its log:" >&2
      kubectl --context "$context" -n "$namespace" logs "job/${seed_job}" >&2 || true
      echo "       silver already there? GOLDPIPE_SEED_REPLACE=1 scripts/kind-demo.sh replaces it" >&2
      exit 1
    fi
    if ((waited >= 900)); then
      kubectl --context "$context" -n "$namespace" describe job "$seed_job" >&2 || true
      die "job/${seed_job} did not finish within 15 minutes"
    fi
    sleep 5
    waited=$((waited + 5))
  done
}

up() {
  require_docker
  require_tool kind "https://kind.sigs.k8s.io/"
  require_tool kubectl "https://kubernetes.io/docs/tasks/tools/"
  local helm
  helm="$(helm_bin)"
  command -v "$helm" >/dev/null 2>&1 ||
    die "helm not found (${helm}): this script needs Docker, kind, kubectl and helm; see README (scripts/install-tools.sh builds the pinned one)"
  echo "ok       $(kind version)"

  local tag spark_image controller_image name controller claim existed
  tag="$(awk '$1 == "appVersion:" { gsub(/"/, "", $2); print $2; exit }' "${root}/Chart.yaml")"
  [[ -n "$tag" ]] || die "cannot read appVersion from ${root}/Chart.yaml"
  spark_image="${spark_repo}:${tag}"
  controller_image="${controller_repo}:${tag}"
  name="$(fullname)"
  controller="${name:0:52}"
  controller="${controller%-}-controller"
  claim="${name:0:53}"
  claim="${claim%-}-lakehouse"
  seed_job="${name:0:40}"
  seed_job="${seed_job%-}-seed"

  ensure_cluster

  rebuilt=0
  build_and_load images/spark/Dockerfile "$spark_image"
  build_and_load images/controller/Dockerfile "$controller_image"

  HELM="$helm" "${root}/scripts/vendor-spark-operator.sh"

  existed=0
  if "$helm" status "$release" --kube-context "$context" -n "$namespace" >/dev/null 2>&1; then existed=1; fi
  echo "installing helm release ${release} in namespace ${namespace} (with the Spark Operator)"
  "$helm" upgrade --install "$release" "$root" \
    --kube-context "$context" --namespace "$namespace" --create-namespace \
    --set sparkOperator.enabled=true \
    --set "spark-operator.spark.jobNamespaces={${namespace}}" \
    --set "image.repository=${spark_repo}" --set-string "image.tag=${tag}" \
    --set "controller.image.repository=${controller_repo}" --set-string "controller.image.tag=${tag}" \
    --wait --timeout 10m
  # Same tag, new build: the running pod still has the old image.
  if ((existed && rebuilt)); then
    echo "restarting deployment/${controller} (new image build)"
    kubectl --context "$context" -n "$namespace" rollout restart "deployment/${controller}" >/dev/null
  fi
  echo "waiting  for deployment/${controller}"
  kubectl --context "$context" -n "$namespace" rollout status "deployment/${controller}" --timeout=5m

  seed "$controller_image" "$claim"

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
