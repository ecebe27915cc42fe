#!/usr/bin/env bash
# Build the pinned Kubernetes command-line tools (helm, kubeconform) from the Go module in
# tools/ (versions: tools/go.mod, checksums: tools/go.sum) into a directory outside git.
# Needs only Go and a Go module proxy, no GitHub release downloads. Re-runnable: a binary
# already present that reports the pinned version is kept (building helm takes minutes).
#
# usage: scripts/install-tools.sh [--force]
#   --force  rebuild even if the binaries already report the pinned versions
# env: GOLDPIPE_TOOLS  install prefix, binaries go to $GOLDPIPE_TOOLS/bin (default: <repo>/.tools)
#      CGO_ENABLED     default 0 (static binaries, like the upstream release builds)
#      GOPROXY, GOFLAGS, GOTOOLCHAIN, GOCACHE, ... are passed to go unchanged.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/.." && pwd)"
mod="${root}/tools"
bin="${GOLDPIPE_TOOLS:-${root}/.tools}/bin"
force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  *)
    echo "usage: scripts/install-tools.sh [--force]" >&2
    exit 2
    ;;
esac

# The pins, read from tools/go.mod so that file stays the single source of truth.
pinned() { awk -v m="$1" '$1 == m { print $2; exit }' "${mod}/go.mod"; }
go_min="$(awk '$1 == "go" { print $2; exit }' "${mod}/go.mod")"
helm_version="$(pinned helm.sh/helm/v3)"
kubeconform_version="$(pinned github.com/yannh/kubeconform)"
if [[ -z "$go_min" || -z "$helm_version" || -z "$kubeconform_version" ]]; then
  echo "error: cannot read the pinned versions from ${mod}/go.mod" >&2
  exit 1
fi

# version_of TOOL FILE: the version the binary FILE reports, empty if it is missing or broken.
version_of() {
  [[ -x "$2" ]] || return 0
  case "$1" in
    helm) "$2" version --template '{{.Version}}' 2>/dev/null || true ;;
    kubeconform) "$2" -v 2>/dev/null || true ;;
  esac
}

go_checked=0
require_go() {
  ((go_checked)) && return 0
  if ! command -v go >/dev/null 2>&1; then
    echo "error: go not found on PATH. Install Go >= ${go_min} (https://go.dev/dl/)," >&2
    echo "       or put helm ${helm_version} and kubeconform ${kubeconform_version} on PATH." >&2
    exit 1
  fi
  # Fails (with go's own explanation) if this Go is older than tools/go.mod needs and
  # GOTOOLCHAIN does not allow fetching a newer toolchain.
  if ! (cd "$mod" && go list -m >/dev/null); then
    echo "error: $(go version) cannot build ${mod}. Install Go >= ${go_min}," >&2
    echo "       or put helm ${helm_version} and kubeconform ${kubeconform_version} on PATH." >&2
    exit 1
  fi
  go_checked=1
}

# build TOOL VERSION PACKAGE LDFLAGS: go build PACKAGE, resolved by tools/go.mod, into $bin/TOOL.
tmpdir=""
trap 'if [[ -n "$tmpdir" ]]; then rm -rf "$tmpdir"; fi' EXIT
build() {
  local tool="$1" version="$2" pkg="$3" ldflags="$4" have start
  have="$(version_of "$tool" "${bin}/${tool}")"
  if ((!force)) && [[ "$have" == "$version" ]]; then
    echo "ok       ${tool} ${version}"
    return 0
  fi
  require_go
  echo "building ${tool} ${version}${have:+ (replacing ${have})} with $(go env GOVERSION) ..."
  mkdir -p "$bin"
  tmpdir="$(mktemp -d "${bin}/.build.XXXXXX")"
  start="$SECONDS"
  (cd "$mod" && CGO_ENABLED="${CGO_ENABLED:-0}" go build -trimpath -ldflags "$ldflags" -o "${tmpdir}/${tool}" "$pkg")
  have="$(version_of "$tool" "${tmpdir}/${tool}")"
  if [[ "$have" != "$version" ]]; then
    echo "error: the ${tool} just built reports version '${have}', expected ${version}" >&2
    exit 1
  fi
  mv -f "${tmpdir}/${tool}" "${bin}/${tool}"
  rm -rf "$tmpdir"
  tmpdir=""
  echo "built    ${tool} ${version} in $((SECONDS - start))s"
}

# helm: the ldflags of helm's own Makefile (release build from a tag, no git metadata here).
# The k8s version is what `helm template` reports as .Capabilities.KubeVersion without a
# cluster; the Makefile derives it from client-go v0.X.Y as 1.X.
helm_pkg=helm.sh/helm/v3
helm_ldflags="-s -w -X ${helm_pkg}/internal/version.version=${helm_version}"
if ((force)) || [[ "$(version_of helm "${bin}/helm")" != "$helm_version" ]]; then
  require_go
  if ! client_go="$(cd "$mod" && go list -m -f '{{.Version}}' k8s.io/client-go)"; then # v0.X.Y
    echo "error: cannot resolve the modules of ${mod} (check GOPROXY, or the network)" >&2
    exit 1
  fi
  IFS=. read -r k8s_major k8s_minor _ <<<"${client_go#v}"
  k8s_major=$((k8s_major + 1))
  for p in pkg/lint/rules pkg/chartutil; do
    helm_ldflags+=" -X ${helm_pkg}/${p}.k8sVersionMajor=${k8s_major} -X ${helm_pkg}/${p}.k8sVersionMinor=${k8s_minor}"
  done
fi
build helm "$helm_version" "${helm_pkg}/cmd/helm" "$helm_ldflags"

# kubeconform: the ldflags of its .goreleaser.yml.
build kubeconform "$kubeconform_version" github.com/yannh/kubeconform/cmd/kubeconform \
  "-s -w -X main.version=${kubeconform_version}"

echo "tools in ${bin}"
