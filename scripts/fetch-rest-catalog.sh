#!/usr/bin/env bash
# Fetch the pinned class path of Apache Iceberg's REST catalog test server (the server of the
# production-profile test tier, tests/production) from Maven Central into a cache outside git,
# verifying every jar's SHA-1 against tools/iceberg-rest/jars.lock. Re-runnable: a jar already
# present with the right checksum is kept; nothing else is downloaded.
#
# The server runs from those jars with tools/iceberg-rest/LoopbackRESTCatalogServer.java (Java's
# source-file mode), which binds it to 127.0.0.1 (see there why).
#
# usage: scripts/fetch-rest-catalog.sh [DEST]
#   DEST   default: $GOLDPIPE_REST_CATALOG_JARS, else ${XDG_CACHE_HOME:-$HOME/.cache}/goldpipe/iceberg-rest
# env: MAVEN_REPO  mirror to use instead of https://repo1.maven.org/maven2
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lock="${here}/../tools/iceberg-rest/jars.lock"
repo="${MAVEN_REPO:-https://repo1.maven.org/maven2}"
dest="${1:-${GOLDPIPE_REST_CATALOG_JARS:-${XDG_CACHE_HOME:-$HOME/.cache}/goldpipe/iceberg-rest}}"
mkdir -p "$dest"

sha1_of() { sha1sum "$1" | cut -d' ' -f1; }

tmp=""
trap 'if [[ -n "$tmp" ]]; then rm -f "$tmp"; fi' EXIT
fetched=0
start="$SECONDS"
while read -r coord sha1; do
  [[ -z "$coord" || "$coord" == \#* ]] && continue
  IFS=: read -r group artifact version classifier <<<"$coord"
  jar="${artifact}-${version}${classifier:+-${classifier}}.jar"
  if [[ -f "$dest/$jar" && "$(sha1_of "$dest/$jar")" == "$sha1" ]]; then
    continue
  fi
  url="${repo}/${group//.//}/${artifact}/${version}/${jar}"
  echo "fetching $jar"
  tmp="$(mktemp "$dest/.${jar}.XXXXXX")"
  curl --fail --silent --show-error --location --retry 3 --output "$tmp" "$url"
  actual="$(sha1_of "$tmp")"
  if [[ "$actual" != "$sha1" ]]; then
    echo "error: $jar has SHA-1 $actual, expected $sha1 (from $url)" >&2
    exit 1
  fi
  mv "$tmp" "$dest/$jar"
  tmp=""
  fetched=$((fetched + 1))
done <"$lock"
echo "Iceberg REST catalog server jars in $dest (${fetched} fetched in $((SECONDS - start))s)"
