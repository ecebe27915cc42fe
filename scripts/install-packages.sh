#!/usr/bin/env bash
# Install the Debian packages of goldpipe's daemonless image builds and of its real single-node
# cluster, when one is missing (`apt-get install`, so: Debian or Ubuntu, as root). Re-runnable:
# with every package present it changes nothing.
#
#   group    packages
#   images   buildah (builds the Dockerfiles without a daemon), mmdebstrap (the Debian root
#            filesystem the base image starts from: no registry needed)
#   node     containerd, runc, containernetworking-plugins (bridge, host-local, portmap,
#            loopback), iptables and conntrack (kube-proxy), util-linux (unshare: the kubelet's
#            mount namespace), catatonit (the pods' sandbox process, a static binary)
#
# usage: scripts/install-packages.sh [images|node ...]   (default: both)
set -euo pipefail

declare -A packages=(
  [images]="buildah mmdebstrap"
  [node]="containerd runc containernetworking-plugins iptables conntrack util-linux catatonit"
)
groups=("$@")
((${#groups[@]})) || groups=(images node)

wanted=()
for group in "${groups[@]}"; do
  if [[ -z "${packages[$group]:-}" ]]; then
    echo "usage: scripts/install-packages.sh [images|node ...]" >&2
    exit 2
  fi
  read -r -a names <<<"${packages[$group]}"
  wanted+=("${names[@]}")
done

missing=()
for name in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed' || missing+=("$name")
done
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
echo "installing Debian packages: ${missing[*]}"
start="$SECONDS"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed in $((SECONDS - start))s: ${missing[*]}"
