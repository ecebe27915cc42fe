#!/usr/bin/env bash
# Install Prometheus and promtool from Debian's `prometheus` package when they are missing: the
# monitoring tests run the chart's alerting rules through `promtool check rules` and
# `promtool test rules`, and a real Prometheus scrapes the controller and evaluates them
# (tests/monitoring). Re-runnable: with the pinned release present it changes nothing.
#
# Pinned to the Prometheus release below (Debian 12's package; any Debian revision of that
# release, since the archive keeps only the newest one). The package's service is never started:
# the tests start their own Prometheus on 127.0.0.1 and stop it by pid.
#
# usage: scripts/install-prometheus.sh
set -euo pipefail

release="2.42.0"
package="prometheus"

reports_release() { # the binaries on PATH report the pinned release
  command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || return 1
  prometheus --version 2>&1 | grep -Eq "version ${release}[+ ]" &&
    promtool --version 2>&1 | grep -Eq "version ${release}[+ ]"
}

if reports_release; then
  echo "ok       prometheus, promtool ${release} ($(command -v prometheus))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: prometheus and promtool ${release} are missing, and this is not a Debian-like system (no apt-get): install Prometheus ${release} so that both are on PATH" >&2
  exit 1
fi
if ((EUID != 0)); then
  echo "error: prometheus and promtool ${release} are missing: run 'sudo apt-get install ${package}' (or this script as root)" >&2
  exit 1
fi

start="$SECONDS"
apt-get update -qq
candidate="$(apt-cache policy "$package" | awk '$1 == "Candidate:" { print $2 }')"
if [[ "$candidate" != "${release}+"* ]]; then
  echo "error: Debian's ${package} package is '${candidate:-none}', not Prometheus ${release}: update the pin in $0 and test the rules with the new release" >&2
  exit 1
fi

# Keep the package's init script from starting a Prometheus on every interface: the tests start
# their own. policy-rc.d is Debian's switch for that; one already there is left alone.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
drop_policy() { if ((made_policy)); then rm -f "$policy"; fi; }
trap drop_policy EXIT
echo "installing Debian's ${package} ${candidate} ..."
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${package}=${candidate}" >/dev/null
if ! reports_release; then
  echo "error: ${package} ${candidate} was installed, but prometheus/promtool do not report ${release}" >&2
  exit 1
fi
echo "installed prometheus, promtool ${release} in $((SECONDS - start))s"
