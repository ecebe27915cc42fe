#!/usr/bin/env bash
# Regenerate the hash-locked requirements of the images from pyproject.toml (run it after
# changing a dependency there; tests/images check that the locks agree with pyproject.toml):
#
#   images/controller/requirements.txt   [project].dependencies and everything they pull in
#   images/spark/requirements.txt        the `spark` extra (PySpark) and what it pulls in
#
# Every file of every pinned version is hashed (--universal: also the wheels of other platforms,
# so `docker build` on an arm64 machine checks its wheels too). Needs PyPI; uses the dev
# environment's uv (pyproject.toml [dev]).
#
# usage: scripts/lock-requirements.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
uv="${UV:-${root}/.venv/bin/uv}"
if [[ ! -x "$uv" ]]; then
  echo "error: ${uv} not found: run 'make setup' first (uv is a dev dependency)" >&2
  exit 1
fi
python_version="$(sed -n 's/^requires-python = ">=\([0-9.]*\)"$/\1/p' "${root}/pyproject.toml")"
cd "$root"
lock() { # lock OUTPUT [uv pip compile ARGS...]
  local output="$1"
  shift
  "$uv" pip compile --quiet --generate-hashes --universal --python-version "$python_version" \
    --no-header --annotation-style line "$@" --output-file "$output"
  echo "locked   ${output}"
}
lock images/controller/requirements.txt pyproject.toml
python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["spark"]))' |
  lock images/spark/requirements.txt -
