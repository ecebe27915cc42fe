#!/usr/bin/env bash
# Build goldpipe's pinned Go tools from the Go module proxy (no GitHub release downloads):
#
#   group          binaries                                              pinned in
#   chart          helm, kubeconform                                     tools/go.mod
#                  helm-docs (docs/values.md)                            tools/helm-docs/go.mod
#   control-plane  kube-apiserver, kube-controller-manager,              tools/kubernetes/go.mod
#                  kube-scheduler, kubectl,
#                  etcd, kwok, and the spark-operator group               tools/{etcd,kwok}/go.mod
#   spark-operator spark-operator (+ its CRDs)                           tools/spark-operator/go.mod
#   node           kubelet, kube-proxy (the real node of `make cluster`)  tools/kubernetes/go.mod
#                  coredns (its cluster DNS)                             tools/coredns/go.mod
#   lakehouse      weed (SeaweedFS: S3 gateway, master, volume, filer)   tools/seaweedfs/go.mod
#                  for the production-profile tier (tests/production)
#   monitoring     nothing built: the Prometheus Operator's CRDs         tools/prometheus-operator/go.mod
#                  (ServiceMonitor, PodMonitor, PrometheusRule) and the
#                  Spark Operator's metric names, for tests/monitoring   tools/spark-operator/go.mod
#
# Each tool is built once per version into a cache outside the repository,
# $GOLDPIPE_TOOLS_CACHE/<tool>-<version>/ (default ~/.cache/goldpipe/tools), so a second clone
# reuses it; <repo>/.tools/bin/<binary> links to the cached binary. A cached build is kept
# while its go.mod/go.sum and build flags are unchanged (a stamp file records them).
# The Spark Operator's CRDs are copied from the same pinned module (config/crd/bases/, its
# content checksummed by go.sum) to spark-operator-<version>/crds/, linked as .tools/crds.
#
# A cold build of everything took 14m38s on 2 cores (Kubernetes 8 min, helm 2, kwok 2, the
# operator 2, etcd 40 s, module downloads included), plus SeaweedFS's weed (9 minutes of CPU:
# 17m39s measured on 2 cores busy with other work); with the cache warm, a few seconds.
#
# usage: scripts/install-tools.sh [--force] [chart|control-plane|spark-operator|node|lakehouse|monitoring ...]
#        (default: every group)
#   --force  rebuild even when the cache has the pinned build
# env: GOLDPIPE_TOOLS_CACHE  build cache (default: ${XDG_CACHE_HOME:-~/.cache}/goldpipe/tools)
#      GOLDPIPE_TOOLS        where the links go: $GOLDPIPE_TOOLS/bin (default: <repo>/.tools)
#      CGO_ENABLED           default 0 (static binaries, like the upstream release builds)
#      GOPROXY, GOFLAGS, GOTOOLCHAIN, GOCACHE, ... are passed to go unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/.." && pwd)"
tools="${root}/tools"
cache="${GOLDPIPE_TOOLS_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/goldpipe/tools}"
links="${GOLDPIPE_TOOLS:-${root}/.tools}"
force=0
groups=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    chart | control-plane | spark-operator | node | lakehouse | monitoring) groups+=("$arg") ;;
    *)
      echo "usage: scripts/install-tools.sh [--force] [chart|control-plane|spark-operator|node|lakehouse|monitoring ...]" >&2
      exit 2
      ;;
  esac
done
((${#groups[@]})) || groups=(chart control-plane node lakehouse monitoring)
export CGO_ENABLED="${CGO_ENABLED:-0}"

# pinned DIR MODULE: the version of MODULE required by DIR/go.mod.
pinned() {
  local version
  version="$(awk -v m="$2" '
    $1 == m && $2 ~ /^v/ { print $2; exit }
    $1 == "require" && $2 == m { print $3; exit }' "$1/go.mod")"
  if [[ -z "$version" ]]; then
    echo "error: cannot read the pinned version of $2 from $1/go.mod" >&2
    exit 1
  fi
  echo "$version"
}

go_checked=0
require_go() {
  ((go_checked)) && return 0
  if ! command -v go >/dev/null 2>&1; then
    echo "error: go not found on PATH. Install Go >= $(awk '$1 == "go" { print $2 }' "${tools}/go.mod") (https://go.dev/dl/)." >&2
    exit 1
  fi
  go_checked=1
}

# go_in DIR ARGS...: go, run in module DIR (its go.mod's toolchain line decides the Go version).
go_in() {
  local dir="$1"
  shift
  (cd "$dir" && go "$@")
}

# stamp DIR LDFLAGS PACKAGES: what a cached build depends on (module files, what is built, how,
# and with which Go).
stamp() {
  cat "$1/go.mod" "$1/go.sum"
  printf '%s\n%s\n%s\n%s\n' "$2" "$3" "${CGO_ENABLED}" "$(go_in "$1" env GOVERSION GOOS GOARCH | tr '\n' ' ')"
}

link() { # link TARGET NAME: .tools/<NAME> -> TARGET (relative links break when the cache moves)
  mkdir -p "$(dirname "${links}/$2")"
  ln -sfn "$1" "${links}/$2"
}

# build NAME VERSION MODULE_DIR LDFLAGS CHECK PACKAGE[=BINARY]...: `go build` each PACKAGE,
# resolved by MODULE_DIR/go.mod and go.sum (never rewritten: -mod=readonly), into
# $cache/NAME-VERSION/[BINARY] unless the stamp there says the cached build is current.
# CHECK DIR VERSION must succeed: every binary built reports VERSION.
tmp=""
trap 'if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi' EXIT
build() {
  local name="$1" version="$2" dir="$3" ldflags="$4" check="$5"
  shift 5
  local dest="${cache}/${name}-${version}" start want spec pkg out reported
  require_go
  want="$(stamp "$dir" "$ldflags" "$*" | sha256sum | cut -d' ' -f1)"
  # One build of a tool at a time (`make test` builds the tools and the images side by side and
  # both want the operator; so may two clones): the second waits, then finds the stamp current.
  mkdir -p "$cache"
  local lock
  exec {lock}>"${cache}/.${name}-${version}.lock"
  flock "$lock"
  if ((!force)) && [[ -f "${dest}/.stamp" && "$(cat "${dest}/.stamp")" == "$want" ]]; then
    echo "ok       ${name} ${version} (${dest})"
  else
    echo "building ${name} ${version} with $(go_in "$dir" env GOVERSION) into ${dest} ..."
    mkdir -p "$cache"
    tmp="$(mktemp -d "${cache}/.${name}.XXXXXX")"
    start="$SECONDS"
    for spec in "$@"; do
      pkg="${spec%%=*}"
      out="${tmp}/"
      [[ "$spec" == *=* ]] && out="${tmp}/${spec#*=}"
      echo "         go build ${pkg}"
      if ! go_in "$dir" build -mod=readonly -trimpath -ldflags "$ldflags" -o "$out" "$pkg"; then
        echo "error: go build ${pkg} failed in ${dir} (if go.sum is stale: run 'go mod tidy' there and commit it)" >&2
        exit 1
      fi
    done
    if ! reported="$("$check" "$tmp" "${version#v}" 2>&1)"; then
      echo "error: a binary of ${name} just built does not report version ${version}:" >&2
      echo "$reported" >&2
      exit 1
    fi
    echo "$want" >"${tmp}/.stamp"
    rm -rf "$dest"
    # -T: never move into a directory a concurrent install (another clone) created meanwhile.
    if ! mv -T "$tmp" "$dest" 2>/dev/null; then
      [[ -f "${dest}/.stamp" && "$(cat "${dest}/.stamp")" == "$want" ]] || {
        echo "error: cannot install ${dest} (a concurrent install?)" >&2
        exit 1
      }
      rm -rf "$tmp"
    fi
    tmp=""
    echo "built    ${name} ${version} in $((SECONDS - start))s"
  fi
  exec {lock}>&-
  local bin
  for bin in "${dest}"/*; do
    [[ -f "$bin" && -x "$bin" ]] && link "$bin" "bin/$(basename "$bin")"
  done
  return 0
}

# reports VERSION COMMAND...: COMMAND prints VERSION (its output is shown either way).
reports() {
  local version="$1" output
  shift
  output="$("$@" 2>&1 || true)"
  echo "$output"
  [[ "$output" == *"$version"* ]]
}

# Version checks of freshly built binaries: CHECK DIR VERSION.
check_helm() { reports "$2" "$1/helm" version --template '{{.Version}}'; }
check_kubeconform() { reports "$2" "$1/kubeconform" -v; }
check_helm_docs() { reports "$2" "$1/helm-docs" --version; }
check_kubernetes() {
  local b
  for b in kube-apiserver kube-controller-manager kube-scheduler; do reports "$2" "$1/$b" --version || return 1; done
  reports "$2" "$1/kubectl" version --client
}
check_kubernetes_node() { reports "$2" "$1/kubelet" --version && reports "$2" "$1/kube-proxy" --version; }
check_coredns() { reports "$2" "$1/coredns" -version; }
check_etcd() { reports "$2" "$1/etcd" --version; }
check_kwok() { reports "$2" "$1/kwok" --version; }
check_spark_operator() { reports "$2" "$1/spark-operator" version --short; }
# SeaweedFS has no release tags in the module proxy, only a pseudo-version, and `weed version`
# prints its own release number (e.g. "version 30GB 4.53 <commit> linux amd64"), never the
# pseudo-version. The build stamps the pseudo-version's commit hash into version.COMMIT (as
# upstream's release builds do with the git commit), so the check is that the commit is printed.
check_seaweedfs() { reports "${2##*-}" "$1/weed" version; }

chart_tools() {
  local helm_version kubeconform_version helm_pkg=helm.sh/helm/v3 client_go k8s_major k8s_minor p
  helm_version="$(pinned "$tools" helm.sh/helm/v3)"
  kubeconform_version="$(pinned "$tools" github.com/yannh/kubeconform)"
  # helm: the ldflags of helm's own Makefile. The Kubernetes version is what `helm template`
  # reports as .Capabilities.KubeVersion without a cluster; the Makefile derives it from
  # client-go v0.X.Y as 1.X (without it helm renders offline as v1.20).
  client_go="$(pinned "$tools" k8s.io/client-go)"
  IFS=. read -r k8s_major k8s_minor _ <<<"${client_go#v}"
  k8s_major=$((k8s_major + 1))
  local helm_ldflags="-s -w -X ${helm_pkg}/internal/version.version=${helm_version}"
  for p in pkg/lint/rules pkg/chartutil; do
    helm_ldflags+=" -X ${helm_pkg}/${p}.k8sVersionMajor=${k8s_major} -X ${helm_pkg}/${p}.k8sVersionMinor=${k8s_minor}"
  done
  build helm "$helm_version" "$tools" "$helm_ldflags" check_helm "${helm_pkg}/cmd/helm"
  # kubeconform: the ldflags of its .goreleaser.yml.
  build kubeconform "$kubeconform_version" "$tools" "-s -w -X main.version=${kubeconform_version}" \
    check_kubeconform github.com/yannh/kubeconform/cmd/kubeconform
  # helm-docs: its own module (it pins an older sprig than helm); goreleaser's default ldflags.
  local helm_docs_version
  helm_docs_version="$(pinned "${tools}/helm-docs" github.com/norwoodj/helm-docs)"
  build helm-docs "$helm_docs_version" "${tools}/helm-docs" "-s -w -X main.version=${helm_docs_version#v}" \
    check_helm_docs github.com/norwoodj/helm-docs/cmd/helm-docs
}

# Kubernetes: without the version ldflags the binaries report v0.0.0-master and kubectl
# refuses to talk to them.
kubernetes_ldflags() {
  local ld="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X ${p}.gitVersion=$1 -X ${p}.gitMajor=1 -X ${p}.gitMinor=$(cut -d. -f2 <<<"$1") -X ${p}.gitTreeState=clean"
  done
  echo "$ld"
}

control_plane_tools() {
  local k8s etcd kwok
  k8s="$(pinned "${tools}/kubernetes" k8s.io/kubernetes)"
  echo "(a first build of kubernetes takes about 8 minutes on 2 cores)"
  build kubernetes "$k8s" "${tools}/kubernetes" "$(kubernetes_ldflags "$k8s")" check_kubernetes \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  etcd="$(pinned "${tools}/etcd" go.etcd.io/etcd/server/v3)"
  build etcd "$etcd" "${tools}/etcd" "-s -w" check_etcd go.etcd.io/etcd/server/v3=etcd
  kwok="$(pinned "${tools}/kwok" sigs.k8s.io/kwok)"
  build kwok "$kwok" "${tools}/kwok" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok#v}" \
    check_kwok sigs.k8s.io/kwok/cmd/kwok
  spark_operator_tools
}

# The Kubeflow Spark Operator's controller and its CRDs, from the same pinned module (the e2e tier
# runs it as a process, the operator image carries it, the controller image the CRDs).
spark_operator_tools() {
  local sparkop
  sparkop="$(pinned "${tools}/spark-operator" github.com/kubeflow/spark-operator/v2)"
  build spark-operator "$sparkop" "${tools}/spark-operator" \
    "-s -w -X k8s.io/component-base/version.gitVersion=${sparkop}" check_spark_operator \
    github.com/kubeflow/spark-operator/v2/cmd/operator=spark-operator
  # The CRDs of the same pinned module (go verified its zip against go.sum when it fetched it).
  local module_dir
  module_dir="$(module_source "${tools}/spark-operator" github.com/kubeflow/spark-operator/v2 "$sparkop" config/crd/bases)"
  local dest="${cache}/spark-operator-${sparkop}"
  mkdir -p "${dest}/crds"
  cp -f "${module_dir}"/config/crd/bases/*.yaml "${dest}/crds/"
  chmod -R u+w "${dest}/crds"
  link "${dest}/crds" crds
  echo "ok       Spark Operator CRDs ${sparkop} (${dest}/crds)"
}

# The real node of `make cluster` and the node tier: the kubelet and kube-proxy of the same
# pinned Kubernetes module (incremental after the control plane: its packages are in Go's build
# cache), and CoreDNS for the cluster's DNS.
node_tools() {
  local k8s coredns
  k8s="$(pinned "${tools}/kubernetes" k8s.io/kubernetes)"
  build kubernetes-node "$k8s" "${tools}/kubernetes" "$(kubernetes_ldflags "$k8s")" check_kubernetes_node \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  coredns="$(pinned "${tools}/coredns" github.com/coredns/coredns)"
  build coredns "$coredns" "${tools}/coredns" "-s -w" check_coredns github.com/coredns/coredns=coredns
}

# module_source DIR MODULE VERSION SUBDIR: the directory of MODULE@VERSION, downloaded through the
# Go module proxy as DIR/go.sum pins it (go checks the zip against it), which must hold SUBDIR.
module_source() {
  local module_dir
  require_go
  module_dir="$(go_in "$1" mod download -json "$2@$3" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -z "$module_dir" || ! -d "${module_dir}/$4" ]]; then
    echo "error: no $4 in $2@$3 (${module_dir:-not downloaded})" >&2
    exit 1
  fi
  echo "$module_dir"
}

monitoring_tools() {
  local promop sparkop module_dir dest kind
  promop="$(pinned "${tools}/prometheus-operator" github.com/prometheus-operator/prometheus-operator)"
  module_dir="$(module_source "${tools}/prometheus-operator" github.com/prometheus-operator/prometheus-operator \
    "$promop" example/prometheus-operator-crd)"
  dest="${cache}/prometheus-operator-${promop}/crds"
  mkdir -p "$dest"
  for kind in servicemonitors podmonitors prometheusrules; do
    cp -f "${module_dir}/example/prometheus-operator-crd/monitoring.coreos.com_${kind}.yaml" "${dest}/"
  done
  chmod -R u+w "$dest"
  link "$dest" monitoring-crds
  echo "ok       Prometheus Operator CRDs ${promop} (${dest})"
  # The metric names the Spark Operator exports: the constants of its pkg/common/metrics.go (the
  # expression check of tests/monitoring reads them; a metric prefix is the operator's option).
  sparkop="$(pinned "${tools}/spark-operator" github.com/kubeflow/spark-operator/v2)"
  module_dir="$(module_source "${tools}/spark-operator" github.com/kubeflow/spark-operator/v2 "$sparkop" pkg/common)"
  dest="${cache}/spark-operator-${sparkop}/metrics"
  mkdir -p "$dest"
  cp -f "${module_dir}/pkg/common/metrics.go" "${dest}/"
  chmod -R u+w "$dest"
  link "$dest" spark-operator-metrics
  echo "ok       Spark Operator metric names ${sparkop} (${dest})"
}

lakehouse_tools() {
  local weed
  weed="$(pinned "${tools}/seaweedfs" github.com/seaweedfs/seaweedfs)"
  echo "(a first build of SeaweedFS takes 10 to 20 minutes on 2 cores)"
  build seaweedfs "$weed" "${tools}/seaweedfs" \
    "-s -w -X github.com/seaweedfs/seaweedfs/weed/util/version.COMMIT=${weed##*-}" check_seaweedfs \
    github.com/seaweedfs/seaweedfs/weed=weed
}

for group in "${groups[@]}"; do
  case "$group" in
    chart) chart_tools ;;
    control-plane) control_plane_tools ;;
    spark-operator) spark_operator_tools ;;
    node) node_tools ;;
    lakehouse) lakehouse_tools ;;
    monitoring) monitoring_tools ;;
  esac
done
echo "tools in ${links}/bin (cached in ${cache})"
