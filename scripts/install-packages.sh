#!/usr/bin/env bash
# Install the Debian packages goldpipe's builds and test tiers need, when one is missing
# (`apt-get install`, so: Debian or Ubuntu, as root). Re-runnable: with every package present
# it changes nothing.
#
#   group       packages
#   images      buildah (builds the Dockerfiles without a daemon), mmdebstrap (the Debian root
#               filesystem the base image starts from: no registry needed)
#   node        containerd, runc, containernetworking-plugins (bridge, host-local, portmap,
#               loopback), iptables and conntrack (kube-proxy), util-linux (unshare: the
#               kubelet's mount namespace), catatonit (the pods' sandbox process, a static binary)
#   monitoring  prometheus (Prometheus and promtool, pinned to release 2.42.0: the chart's
#               alerting rules are tested with them, tests/monitoring)
#
# No package's service is started: a policy-rc.d refuses it while installing (the tests start
# their own servers, bound to 127.0.0.1, and stop them by pid); one already there is left alone.
#
# usage: scripts/install-packages.sh [images|node|monitoring ...]   (default: all)
set -euo pipefail

declare -A packages=(
  [images]="buildah mmdebstrap"
  [node]="containerd runc containernetworking-plugins iptables conntrack util-linux catatonit"
  [monitoring]="prometheus"
)
# Packages pinned to an upstream release (any Debian revision of it: the archive keeps only the
# newest one), checked before installing and after.
declare -A releases=([prometheus]="2.42.0")

groups=("$@")
((${#groups[@]})) || groups=(images node monitoring)
wanted=()
for group in "${groups[@]}"; do
  if [[ -z "${packages[$group]:-}" ]]; then
    echo "usage: scripts/install-packages.sh [images|node|monitoring ...]" >&2
    exit 2
  fi
  read -r -a names <<<"${packages[$group]}"
  wanted+=("${names[@]}")
done

# One install at a time (`make test` builds the tools and the images side by side, and both may
# ask for packages): the second waits, then finds them installed.
exec 9>"${TMPDIR:-/tmp}/goldpipe-install-packages.lock"
flock 9

installed_version() { dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null | awk '$3 == "installed" { print $4 }'; }
# the right release installed (or, without a pin, any)
ok() { local v; v="$(installed_version "$1")" && [[ -n "$v" && "$v" == "${releases[$1]:-}"* ]]; }

missing=()
for name in "${wanted[@]}"; do ok "$name" || missing+=("$name"); done
if ((${#missing[@]} == 0)); then
  echo "ok       Debian packages: ${wanted[*]}"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing ${missing[*]}, and this is not a Debian-like system (no apt-get): install them with your package manager" >&2
  exit 1
fi
if ((EUID != 0)); then
  echo "error: missing ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (or this script as root)" >&2
  exit 1
fi

start="$SECONDS"
apt-get update -qq
for name in "${missing[@]}"; do
  candidate="$(apt-cache policy "$name" | awk '$1 == "Candidate:" { print $2 }')"
  if [[ -n "${releases[$name]:-}" && "$candidate" != "${releases[$name]}"* ]]; then
    echo "error: Debian's ${name} is '${candidate:-none}', not release ${releases[$name]}: update the pin in $0 and test with the new release" >&2
    exit 1
  fi
done
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
drop_policy() { if ((made_policy)); then rm -f "$policy"; fi; }
trap drop_policy EXIT
echo "installing Debian packages: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for name in "${missing[@]}"; do
  ok "$name" || {
    echo "error: ${name} is not installed at release ${releases[$name]:-any} after apt-get install" >&2
    exit 1
  }
done
echo "installed in $((SECONDS - start))s: ${missing[*]}"
