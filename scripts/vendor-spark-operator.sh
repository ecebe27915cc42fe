#!/usr/bin/env bash
# Vendor the Kubeflow Spark Operator chart pinned in Chart.yaml into charts/, replacing the
# offline placeholder (charts/spark-operator/): run it once before
# `helm install --set sparkOperator.enabled=true`. Re-runnable.
#
# The chart comes from the Go module the project pins (tools/spark-operator/go.mod, the same
# module the operator image is built from: charts/spark-operator-chart/, verified by go.sum),
# fetched through the Go module proxy and packaged with helm: no download from GitHub or a chart
# repository. The module's version must be the dependency's version in Chart.yaml.
#
# usage: scripts/vendor-spark-operator.sh [CHART_DIR]
#   CHART_DIR  the chart to vendor into (default: this checkout; the node tier uses a copy)
# env:   HELM  helm binary (default: .tools/bin/helm if present, else helm on PATH)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="${1:-$root}"
helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  if [[ -x "$root/.tools/bin/helm" ]]; then helm="$root/.tools/bin/helm"; else helm="helm"; fi
fi
version="$(awk '/name: spark-operator/ { found = 1 } found && /version:/ { print $2; exit }' "$chart/Chart.yaml")"
module="$(awk '$1 == "require" && $2 == "github.com/kubeflow/spark-operator/v2" { print $3 }' "$root/tools/spark-operator/go.mod")"
if [[ -z "$version" || -z "$module" ]]; then
  echo "error: cannot read the spark-operator dependency from Chart.yaml or tools/spark-operator/go.mod" >&2
  exit 1
fi
if [[ "v${version}" != "$module" ]]; then
  echo "error: Chart.yaml depends on spark-operator ${version}, tools/spark-operator/go.mod pins ${module}" >&2
  exit 1
fi
tgz="$chart/charts/spark-operator-${version}.tgz"
if [[ -f "$tgz" ]]; then
  echo "ok       charts/spark-operator-${version}.tgz"
else
  dir="$(cd "$root/tools/spark-operator" && go mod download -json "github.com/kubeflow/spark-operator/v2@${module}" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ ! -f "$dir/charts/spark-operator-chart/Chart.yaml" ]]; then
    echo "error: the module github.com/kubeflow/spark-operator/v2@${module} has no charts/spark-operator-chart" >&2
    exit 1
  fi
  "$helm" package "$dir/charts/spark-operator-chart" --destination "$chart/charts" >/dev/null
  echo "packaged charts/spark-operator-${version}.tgz from the module github.com/kubeflow/spark-operator/v2@${module}"
fi
# Two charts named spark-operator would both load: drop the placeholder.
if [[ -f "$chart/charts/spark-operator/Chart.yaml" ]] && grep -q 'goldpipe.io/placeholder' "$chart/charts/spark-operator/Chart.yaml"; then
  rm -rf "$chart/charts/spark-operator"
  echo "removed  charts/spark-operator/ (placeholder)"
fi
echo "vendored charts/spark-operator-${version}.tgz"
