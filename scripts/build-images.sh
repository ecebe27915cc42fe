#!/usr/bin/env bash
# Build goldpipe's four images from this checkout, in order, and save each as an OCI archive:
#
#   image        Dockerfile                    FROM                     tag (values.yaml)
#   base         images/base/Dockerfile        Debian bookworm          ghcr.io/goldpipe/goldpipe-base:image.tag
#   spark        images/spark/Dockerfile       base                     image.repository:image.tag
#   controller   images/controller/Dockerfile  base                     controller.image.*
#   operator     images/operator/Dockerfile    spark                    spark-operator.image.*
#
# Daemonless by default: buildah (--isolation chroot), no Docker, no registry; the base starts
# from a Debian root filesystem that mmdebstrap makes from the apt mirror. `--docker` builds the
# same Dockerfiles with `docker build`, starting from Docker Hub's debian:bookworm-slim.
#
# First it stages what the Dockerfiles copy and nothing may download, in .images/ (git-ignored):
# the pinned jars (scripts/fetch-jars.sh, SHA-1 checked), the wheelhouses of the hash-locked
# images/*/requirements.txt (pip download --require-hashes), goldpipe's own wheel, and the Spark
# Operator binary and CRDs of the pinned module (scripts/install-tools.sh spark-operator).
#
# Cached by content: an image is rebuilt only when its Dockerfile, a file it copies, a build
# argument or its parent image changed (the key), and its archive is
# $GOLDPIPE_IMAGES_CACHE/<image>-<key>.oci.tar. The last line per image gives its size.
#
# usage: scripts/build-images.sh [--docker] [--force] [base|spark|controller|operator ...]
#   (naming an image builds what it needs first; default: all four)
# env: GOLDPIPE_IMAGES_CACHE  archives, wheels, Debian root filesystems, buildah's storage
#                             (default ${XDG_CACHE_HOME:-~/.cache}/goldpipe/images)
#      DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR  apt mirrors of the base image (default: a
#                             snapshot.debian.org snapshot when reachable, else this machine's
#                             apt mirror, else deb.debian.org)
#      DEBIAN_IMAGE           (--docker) the image the base starts from
#      IMAGE_PLATFORM         linux/amd64 or linux/arm64 (default: this machine's)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${GOLDPIPE_IMAGES_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/goldpipe/images}"
stage="${root}/.images"
python="${root}/.venv/bin/python"
builder=buildah
force=0
wanted=()
usage() {
  echo "usage: scripts/build-images.sh [--docker] [--force] [base|spark|controller|operator ...]" >&2
  exit 2
}
for arg in "$@"; do
  case "$arg" in
    --docker) builder=docker ;;
    --force) force=1 ;;
    base | spark | controller | operator) wanted+=("$arg") ;;
    *) usage ;;
  esac
done
# Each image needs its parents; the order is the build order.
declare -A needs=([base]="base" [spark]="base spark" [controller]="base controller" [operator]="base spark operator")
((${#wanted[@]})) || wanted=(operator controller)
order=()
for image in base spark controller operator; do
  for want in "${wanted[@]}"; do
    [[ " ${needs[$want]} " == *" $image "* ]] && { order+=("$image"); break; }
  done
done

die() {
  echo "error: $*" >&2
  exit 1
}
[[ -x "$python" ]] || die "${python} not found: run 'make setup' first"

case "${IMAGE_PLATFORM:-}" in
  "") case "$(uname -m)" in aarch64 | arm64) arch=arm64 ;; *) arch=amd64 ;; esac ;;
  linux/amd64) arch=amd64 ;;
  linux/arm64) arch=arm64 ;;
  *) die "IMAGE_PLATFORM must be linux/amd64 or linux/arm64, not ${IMAGE_PLATFORM}" ;;
esac

# -- the builder ---------------------------------------------------------------------------------
containers_conf="${cache}/containers.conf"
if [[ "$builder" == buildah ]]; then
  "${root}/scripts/install-packages.sh" images
  mkdir -p "$cache"
  # This machine's root cannot raise hard limits (no CAP_SYS_RESOURCE): containers get the
  # limits it has. crun does not run on hybrid cgroups: runc, with cgroupfs.
  cat >"$containers_conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
  export CONTAINERS_CONF="$containers_conf"
  bah() { buildah --root "${cache}/storage" --runroot "${cache}/run" --storage-driver overlay "$@"; }
else
  command -v docker >/dev/null 2>&1 || die "docker not found (without --docker the images are built with buildah)"
  docker info >/dev/null 2>&1 || die "no Docker daemon answers (start Docker, or build with buildah: no --docker)"
fi

# image_id NAME: the ID of a local image, empty when there is none.
image_id() {
  if [[ "$builder" == buildah ]]; then
    bah inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true
  else
    docker image inspect --format '{{.Id}}' "$1" 2>/dev/null | sed 's/^sha256://' || true
  fi
}

# image_size NAME: the size of a local image, unpacked.
image_size() {
  if [[ "$builder" == buildah ]]; then
    bah images --noheading --format '{{.Size}}' "$1" 2>/dev/null | head -n 1
  else
    docker image inspect --format '{{.Size}}' "$1" 2>/dev/null | numfmt --to=si --suffix=B
  fi
}

# values KEY...: values.yaml's value at each dotted KEY (one line each).
values() {
  "$python" - "${root}/values.yaml" "$@" <<'PY'
import sys, yaml
values = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2:]:
    node = values
    for part in key.split("."):
        node = node[part]
    print(node)
PY
}

# -- staging: everything the Dockerfiles copy that is not in git ---------------------------------
stage_jars() {
  "${root}/scripts/fetch-jars.sh" --all >/dev/null
  local jars="${GOLDPIPE_JARS:-${XDG_CACHE_HOME:-${HOME}/.cache}/goldpipe/jars}" coord sha1 artifact version
  rm -rf "${stage}/jars" && mkdir -p "${stage}/jars"
  while read -r _ coord sha1; do
    IFS=: read -r _ artifact version <<<"$coord"
    # Readable by the image's user (the cache's files may be private to whoever fetched them).
    install -m 0644 "${jars}/${artifact}-${version}.jar" "${stage}/jars/"
    echo "${sha1}  ${stage}/jars/${artifact}-${version}.jar" | sha1sum --check --quiet -
  # Every set, the "native" one (Comet) too: on the class path it does nothing until the chart's
  # spark.nativeExecution turns it on.
  done < <(grep -v '^#' "${root}/goldpipe/lakehouse/jars.lock" | grep .)
  echo "staged   .images/jars: $(find "${stage}/jars" -name '*.jar' | wc -l) jars, SHA-1 checked"
}

# stage_wheels IMAGE: the files of images/IMAGE/requirements.txt for the image's platform, each
# checked against its hash by pip, downloaded once into the cache.
stage_wheels() {
  local image="$1" wheels="${cache}/wheels/${arch}" machine platforms=() glibc
  case "$arch" in amd64) machine=x86_64 ;; arm64) machine=aarch64 ;; esac
  # pip takes a platform literally: every manylinux tag the base image's glibc (2.36) runs.
  for glibc in $(seq 17 36); do platforms+=(--platform "manylinux_2_${glibc}_${machine}"); done
  platforms+=(--platform "manylinux2014_${machine}" --platform "linux_${machine}")
  mkdir -p "$wheels"
  echo "staging  .images/wheels/${image} (pip download --require-hashes)"
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
    --dest "$wheels" --python-version 3.11 --implementation cp "${platforms[@]}" --prefer-binary \
    --requirement "${root}/images/${image}/requirements.txt"
  rm -rf "${stage}/wheels/${image}" && mkdir -p "${stage}/wheels/${image}"
  # Only the files of this lock (the cache holds every image's and every version's).
  local name
  while read -r name; do
    cp -l "${wheels}/${name}" "${stage}/wheels/${image}/" 2>/dev/null || cp "${wheels}/${name}" "${stage}/wheels/${image}/"
  done < <("$python" - "${root}/images/${image}/requirements.txt" "$wheels" <<'PY'
import pathlib, re, sys
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
pins = {canonicalize_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==(\S+)", pathlib.Path(sys.argv[1]).read_text(), re.M)}
for path in sorted(pathlib.Path(sys.argv[2]).iterdir()):
    parse = parse_wheel_filename if path.name.endswith(".whl") else parse_sdist_filename
    try:
        name, version = parse(path.name)[:2]
    except Exception:
        continue
    if pins.get(name) == str(version):
        print(path.name)
PY
  )
}

# goldpipe's wheel, built from a copy of what it packages (no build/ or egg-info in the checkout).
stage_goldpipe_wheel() {
  local tmp
  tmp="$(mktemp -d)"
  cp -r "${root}/pyproject.toml" "${root}/README.md" "${root}/goldpipe" "${root}/spark_apps" "$tmp/"
  find "$tmp" -name __pycache__ -prune -exec rm -rf {} +
  # A fixed date in the zip: the same code makes the same wheel, so the image's key stays put.
  SOURCE_DATE_EPOCH=315532800 "$python" -m pip wheel --quiet --disable-pip-version-check --no-deps \
    --wheel-dir "${stage}/wheels/controller" "$tmp"
  rm -rf "$tmp"
  echo "staged   .images/wheels/controller/$(cd "${stage}/wheels/controller" && ls goldpipe-*.whl)"
}

stage_operator() {
  "${root}/scripts/install-tools.sh" spark-operator | grep -v '^tools in' || true
  rm -rf "${stage:?}/bin" "${stage:?}/crds" && mkdir -p "${stage}/bin" "${stage}/crds"
  cp -L "${root}/.tools/bin/spark-operator" "${stage}/bin/"
  cp -L "${root}/.tools/crds/"*.yaml "${stage}/crds/"
  echo "staged   .images/bin/spark-operator and .images/crds ($(find "${stage}/crds" -name '*.yaml' | wc -l) CRDs)"
}

# -- keys, builds, archives ----------------------------------------------------------------------
# key IMAGE WORDS...: a digest of what the image is made of: its Dockerfile, every file its COPY
# instructions take from the context, and WORDS (build arguments, the parent image's ID).
key() {
  local dockerfile="${root}/images/$1/Dockerfile"
  shift
  {
    echo "$builder $arch $*"
    cat "$dockerfile"
    # COPY sources (not --from=): every word between the flags and the destination.
    awk '$1 == "COPY" && $2 !~ /^--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' "$dockerfile" |
      while read -r source; do
        (cd "$root" && find "$source" -type f ! -path '*/__pycache__/*' ! -name '*.py[co]' -print0 |
          sort -z | xargs -0 sha256sum)
      done
  } | sha256sum | cut -c1-16
}

summary=()
# build IMAGE TAG PARENT ARGS...: build images/IMAGE/Dockerfile as TAG from the local image
# PARENT with the build arguments ARGS (NAME=VALUE), unless the image of the same key is there;
# then save its archive.
build() {
  local image="$1" tag="$2" parent="$3"
  shift 3
  local k args=() arg start stamp="${cache}/keys/${image}" archive log="${cache}/${image}.build.log"
  k="$(key "$image" "$(image_id "$parent")" "$@")"
  archive="${cache}/${image}-${k}.oci.tar"
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  mkdir -p "${cache}/keys"
  if ((!force)) && [[ -f "$stamp" && "$(cat "$stamp")" == "$k $(image_id "$tag")" ]]; then
    echo "ok       ${image} ${tag} (key ${k})"
  else
    echo "building ${image} ${tag} (key ${k}; log ${log})"
    start="$SECONDS"
    if [[ "$builder" == buildah ]]; then
      bah bud --isolation chroot --network host --layers --platform "linux/${arch}" \
        -f "images/${image}/Dockerfile" "${args[@]}" -t "$tag" "$root" >"$log" 2>&1 &
    else
      docker build --progress plain --platform "linux/${arch}" -f "${root}/images/${image}/Dockerfile" \
        "${args[@]}" -t "$tag" "$root" >"$log" 2>&1 &
    fi
    local pid=$!
    # Progress: each step of the build as it starts.
    tail -n +1 --pid "$pid" -f "$log" 2>/dev/null |
      grep --line-buffered -E '^(STEP [0-9]+/[0-9]+: |#[0-9]+ \[[^]]*[0-9]+/[0-9]+\] )' | cut -c1-110 | sed -u 's/^/         /' &
    local tailer=$!
    if ! wait "$pid"; then
      wait "$tailer" 2>/dev/null || true
      echo "error: the ${image} image did not build; the end of ${log}:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    wait "$tailer" 2>/dev/null || true
    echo "$k $(image_id "$tag")" >"$stamp"
    echo "built    ${image} in $((SECONDS - start))s"
  fi
  if [[ ! -f "$archive" ]]; then
    rm -f "${cache}/${image}"-*.oci.tar
    start="$SECONDS"
    if [[ "$builder" == buildah ]]; then
      bah push --quiet "$tag" "oci-archive:${archive}.partial:${tag}" >/dev/null
    else
      docker save --output "${archive}.partial" "$tag"
    fi
    mv "${archive}.partial" "$archive"
    echo "saved    ${archive} in $((SECONDS - start))s"
  fi
  ln -sfn "$(basename "$archive")" "${cache}/${image}.oci.tar"
  summary+=("$(printf '%-11s %-48s %9s %9s  %s' "$image" "$tag" "$(image_size "$tag")" "$(du -hL "$archive" | cut -f1)" \
    "${cache}/${image}.oci.tar")")
}

# The Debian mirrors of the base image (see the header): "MIRROR SECURITY_MIRROR".
debian_mirrors() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then
    echo "${DEBIAN_MIRROR} ${DEBIAN_SECURITY_MIRROR:-${DEBIAN_MIRROR%/debian}/debian-security}"
    return
  fi
  local snapshot uri
  snapshot="$(sed -n 's/^ARG DEBIAN_SNAPSHOT=//p' "${root}/images/base/Dockerfile")"
  if curl --silent --fail --max-time 5 --output /dev/null \
    "http://snapshot.debian.org/archive/debian/${snapshot}/dists/bookworm/Release"; then
    echo "http://snapshot.debian.org/archive/debian/${snapshot} http://snapshot.debian.org/archive/debian-security/${snapshot}"
    return
  fi
  # This machine's apt mirror (deb822 `URIs:` or one-line `deb URI ...`), security excluded.
  uri="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
    awk '$1 == "URIs:" || $1 == "deb" { print ($1 == "deb") ? $2 : $2 }' | grep -v security | head -n 1 || true)"
  uri="${uri:-http://deb.debian.org/debian}"
  echo "${uri} ${uri%/debian}/debian-security"
}

# The image the base starts FROM: buildah gets a Debian root filesystem made by mmdebstrap
# (there is no registry to pull debian:bookworm-slim from), once per mirror and architecture.
debian_image() {
  local mirror="$1" security="$2"
  if [[ "$builder" == docker ]]; then
    echo "${DEBIAN_IMAGE:-docker.io/library/debian:bookworm-slim}"
    return
  fi
  local id rootfs name
  id="bookworm-${arch}-$(echo "$mirror $security" | sha256sum | cut -c1-12)"
  rootfs="${cache}/debian/${id}.tar"
  name="localhost/goldpipe-debian:${id}"
  if ((force)) || [[ ! -f "$rootfs" ]]; then
    echo "mmdebstrap Debian bookworm (minbase) from ${mirror} ..." >&2
    mkdir -p "$(dirname "$rootfs")"
    local start="$SECONDS"
    mmdebstrap --quiet --variant=minbase --architectures="$arch" bookworm "${rootfs}.partial.tar" \
      "deb ${mirror} bookworm main" "deb ${mirror} bookworm-updates main" "deb ${security} bookworm-security main" >&2
    mv "${rootfs}.partial.tar" "$rootfs"
    bah rmi "$name" >/dev/null 2>&1 || true
    echo "made     ${rootfs} in $((SECONDS - start))s" >&2
  fi
  if [[ -z "$(image_id "$name")" ]]; then
    local container
    container="$(bah from --quiet scratch)"
    bah add --quiet "$container" "$rootfs" / >/dev/null
    bah config --cmd /bin/bash "$container"
    bah commit --quiet "$container" "$name" >/dev/null
    bah rm "$container" >/dev/null
  fi
  echo "$name"
}

# -- main ----------------------------------------------------------------------------------------
start_all="$SECONDS"
mkdir -p "$stage"
for image in "${order[@]}"; do
  case "$image" in
    spark) stage_jars && stage_wheels spark ;;
    controller) stage_wheels controller && stage_goldpipe_wheel && stage_operator ;;
    operator) [[ -x "${stage}/bin/spark-operator" && " ${order[*]} " == *" controller "* ]] || stage_operator ;;
  esac
done

mapfile -t tags < <(values image.repository image.tag controller.image.repository controller.image.tag \
  spark-operator.image.registry spark-operator.image.repository spark-operator.image.tag)
spark_tag="${tags[0]}:${tags[1]}"
controller_tag="${tags[2]}:${tags[3]}"
operator_tag="${tags[4]}/${tags[5]}:${tags[6]}"

if [[ "$builder" == buildah ]]; then
  # A build that was interrupted leaves its working containers behind, each with an overlay
  # mounted; none is in use now (the storage is this script's own).
  bah rm --all >/dev/null 2>&1 || true
fi
read -r mirror security < <(debian_mirrors)
debian="$(debian_image "$mirror" "$security")"
base_tag="ghcr.io/goldpipe/goldpipe-base:${tags[1]}"
for image in "${order[@]}"; do
  case "$image" in
    base) build base "$base_tag" "$debian" "DEBIAN_IMAGE=${debian}" "DEBIAN_MIRROR=${mirror}" "DEBIAN_SECURITY_MIRROR=${security}" ;;
    spark) build spark "$spark_tag" "$base_tag" "BASE_IMAGE=${base_tag}" ;;
    controller) build controller "$controller_tag" "$base_tag" "BASE_IMAGE=${base_tag}" ;;
    operator) build operator "$operator_tag" "$spark_tag" "SPARK_IMAGE=${spark_tag}" ;;
  esac
done
if [[ "$builder" == buildah ]]; then
  # An image built again leaves its predecessor untagged in the storage (a gigabyte each time):
  # drop those. Tagged images, of this version or another, stay.
  bah rmi --prune >/dev/null 2>&1 || true
fi
echo "images in $((SECONDS - start_all))s:"
printf '  %-11s %-48s %9s %9s  %s\n' image tag size archive path
printf '  %s\n' "${summary[@]}"
