#!/usr/bin/env bash
# Put synthetic silver (`goldpipe seed`) into the embedded lakehouse of an installed goldpipe
# release: a Kubernetes Job from the release's controller image (the goldpipe CLI with pyiceberg,
# no Spark needed) that mounts the release's lakehouse claim where the release's pods mount it
# (the catalog stores absolute paths). Works with any cluster kubectl reaches: `make cluster`,
# kind (scripts/kind-demo.sh calls it), a test cluster.
#
# usage: scripts/seed-cluster.sh [--days N] [--end-date YYYY-MM-DD] [--orders-per-day N] [--seed N] [--replace]
#   (the options of `goldpipe seed`, which checks them; default: 3 days ending yesterday)
# env: KUBECONFIG, KUBECTL (default .tools/bin/kubectl if present, else kubectl on PATH),
#      KUBE_CONTEXT (default: the current context), GOLDPIPE_NAMESPACE (default analytics),
#      GOLDPIPE_RELEASE (default goldpipe), SEED_TIMEOUT (seconds, default 600)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kubectl="${KUBECTL:-}"
if [[ -z "$kubectl" ]]; then
  if [[ -x "$root/.tools/bin/kubectl" ]]; then kubectl="$root/.tools/bin/kubectl"; else kubectl=kubectl; fi
fi
namespace="${GOLDPIPE_NAMESPACE:-analytics}"
release="${GOLDPIPE_RELEASE:-goldpipe}"
timeout="${SEED_TIMEOUT:-600}"
args=("seed")
while (($#)); do
  case "$1" in
    --days | --orders-per-day | --seed | --end-date)
      [[ $# -ge 2 && "$2" =~ ^[0-9-]+$ ]] || {
        echo "error: $1 needs a value (a number, or a date YYYY-MM-DD)" >&2
        exit 2
      }
      args+=("$1" "$2")
      shift 2
      ;;
    --replace)
      args+=("$1")
      shift
      ;;
    *)
      echo "usage: scripts/seed-cluster.sh [--days N] [--end-date YYYY-MM-DD] [--orders-per-day N] [--seed N] [--replace]" >&2
      exit 2
      ;;
  esac
done
[[ " ${args[*]} " == *" --days "* ]] || args+=(--days 3)

k() { "$kubectl" ${KUBE_CONTEXT:+--context "$KUBE_CONTEXT"} -n "$namespace" "$@"; }

# Image, claim and mount path as the release's controller Deployment has them.
deployment="${release}-controller"
if ! k get deployment "$deployment" >/dev/null 2>&1; then
  deployment="$(k get deployment -l "app.kubernetes.io/instance=${release},app.kubernetes.io/component=controller" \
    -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)"
fi
if [[ -z "$deployment" ]]; then
  echo "error: no goldpipe controller of release ${release} in namespace ${namespace} (helm install first; GOLDPIPE_RELEASE/GOLDPIPE_NAMESPACE)" >&2
  exit 1
fi
jsonpath() { k get deployment "$deployment" -o "jsonpath=$1"; }
image="$(jsonpath '{.spec.template.spec.containers[0].image}')"
claim="$(jsonpath '{.spec.template.spec.volumes[?(@.name=="lakehouse")].persistentVolumeClaim.claimName}')"
mount="$(jsonpath '{.spec.template.spec.containers[0].volumeMounts[?(@.name=="lakehouse")].mountPath}')"
user="$(jsonpath '{.spec.template.spec.securityContext.runAsUser}')"
if [[ -z "$claim" || -z "$mount" ]]; then
  echo "error: release ${release} has no embedded lakehouse claim (lakehouse.embedded.enabled): seed your own catalog with 'goldpipe seed -f values.yaml'" >&2
  exit 1
fi

job="${release:0:58}-seed"
k delete job "$job" --ignore-not-found --wait=true >/dev/null
printf -v job_args '"%s", ' "${args[@]}"
k apply -f - >/dev/null <<EOF
apiVersion: batch/v1
kind: Job
metadata:
  name: ${job}
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
        app.kubernetes.io/instance: ${release}
        app.kubernetes.io/component: seed
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: ${user:-185}
        runAsGroup: ${user:-185}
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: seed
          image: ${image}
          imagePullPolicy: IfNotPresent
          args: [${job_args%, }]
          env:
            - name: GOLDPIPE_HOME
              value: "${mount}"
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: lakehouse
              mountPath: "${mount}"
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: lakehouse
          persistentVolumeClaim:
            claimName: ${claim}
        - name: tmp
          emptyDir: {}
EOF
echo "job/${job}: goldpipe ${args[*]} into claim ${claim} (${mount}) ..."
deadline=$((SECONDS + timeout))
while :; do
  read -r succeeded failed < <(k get job "$job" -o jsonpath='{.status.succeeded} {.status.failed}{"\n"}' | sed 's/^ /0 /')
  [[ "${succeeded:-0}" -ge 1 ]] && break
  if [[ "${failed:-0}" -ge 1 || $SECONDS -ge $deadline ]]; then
    echo "error: job/${job} did not complete; its log:" >&2
    k logs "job/${job}" --tail=30 >&2 || true
    exit 1
  fi
  sleep 2
done
k logs "job/${job}" --tail=20
