#!/usr/bin/env bash
# Vendor the Kubeflow Spark Operator chart pinned in Chart.yaml into charts/, replacing the
# offline placeholder (charts/spark-operator/). Needs the network; run it once before
# `helm install --set sparkOperator.enabled=true`. Re-runnable.
#
# usage: scripts/vendor-spark-operator.sh
# env:   HELM  helm binary (default: .tools/bin/helm if present, else helm on PATH)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  if [[ -x "$root/.tools/bin/helm" ]]; then helm="$root/.tools/bin/helm"; else helm="helm"; fi
fi
version="$(awk '/name: spark-operator/ { found = 1 } found && /version:/ { print $2; exit }' "$root/Chart.yaml")"
repo="$(awk '/name: spark-operator/ { found = 1 } found && /repository:/ { print $2; exit }' "$root/Chart.yaml")"
if [[ -z "$version" || -z "$repo" ]]; then
  echo "error: cannot read the spark-operator dependency from Chart.yaml" >&2
  exit 1
fi
tgz="$root/charts/spark-operator-${version}.tgz"
if [[ -f "$tgz" ]]; then
  echo "ok       charts/spark-operator-${version}.tgz"
else
  echo "fetching spark-operator ${version} from ${repo}"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$helm" pull spark-operator --repo "$repo" --version "$version" --destination "$tmp"
  mv "$tmp/spark-operator-${version}.tgz" "$tgz"
fi
# Two charts named spark-operator would both load: drop the placeholder.
if [[ -f "$root/charts/spark-operator/Chart.yaml" ]] && grep -q 'goldpipe.io/placeholder' "$root/charts/spark-operator/Chart.yaml"; then
  rm -rf "$root/charts/spark-operator"
  echo "removed  charts/spark-operator/ (placeholder)"
fi
echo "vendored charts/spark-operator-${version}.tgz"
