#!/usr/bin/env bash
# Download the pinned jars of goldpipe/lakehouse/jars.lock from Maven Central into a cache outside git
# and verify their SHA-1. Re-runnable: a jar already present with the right checksum is kept.
#
# usage: scripts/fetch-jars.sh [--all] [DEST]
#   --all  also the jars of the "cluster" set (PostgreSQL JDBC, Iceberg AWS bundle) and of the
#          "native" set (Apache DataFusion Comet, for run-local's large days)
#   DEST   default: $GOLDPIPE_JARS, else ${XDG_CACHE_HOME:-$HOME/.cache}/goldpipe/jars
# env: MAVEN_REPO  mirror to use instead of https://repo1.maven.org/maven2
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="${here}/../goldpipe/lakehouse/jars.lock"
repo="${MAVEN_REPO:-https://repo1.maven.org/maven2}"
sets="local"
if [[ "${1:-}" == "--all" ]]; then
  sets="local cluster native"
  shift
fi
dest="${1:-${GOLDPIPE_JARS:-${XDG_CACHE_HOME:-$HOME/.cache}/goldpipe/jars}}"
mkdir -p "$dest"

sha1_of() { sha1sum "$1" | cut -d' ' -f1; }

while read -r set coord sha1; do
  [[ -z "$set" || "$set" == \#* ]] && continue
  [[ " $sets " == *" $set "* ]] || continue
  IFS=: read -r group artifact version <<<"$coord"
  jar="${artifact}-${version}.jar"
  if [[ -f "$dest/$jar" && "$(sha1_of "$dest/$jar")" == "$sha1" ]]; then
    echo "ok       $jar"
    continue
  fi
  url="${repo}/${group//.//}/${artifact}/${version}/${jar}"
  echo "fetching $jar"
  tmp="$(mktemp "$dest/.${jar}.XXXXXX")"
  trap 'rm -f "$tmp"' EXIT
  curl --fail --silent --show-error --location --retry 3 --output "$tmp" "$url"
  actual="$(sha1_of "$tmp")"
  if [[ "$actual" != "$sha1" ]]; then
    echo "error: $jar has SHA-1 $actual, expected $sha1 (from $url)" >&2
    exit 1
  fi
  mv "$tmp" "$dest/$jar"
  trap - EXIT
done <"$lock"
echo "jars in $dest"
