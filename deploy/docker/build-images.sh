#!/usr/bin/env bash
# Builds the project's container images:
#
#   eo-kafka:local  eo-mariadb:local  eo-schema-registry:local  eo-flink:local
#
# Usage: deploy/docker/build-images.sh [kafka|mariadb|schema-registry|flink ...]   (default: all)
#
# For each image with a pom.xml, the jars are first resolved from Maven Central into
# <image>/lib/ (`mvn dependency:copy-dependencies`); this is skipped while lib/ was filled from
# the same pom.xml (its checksum is kept in <image>/.lib.sha256). Then `docker build` runs on
# <image>/ as the context: an unchanged Dockerfile and context reuse Docker's layer cache, a
# changed jar, script or Dockerfile rebuilds from the first layer it changes.
#
# Environment (optional):
#   IMAGE_TAG        tag of the images                      (local)
#   IMAGE_PREFIX     name prefix of the images              (eo-)
#   BUILD_LOG_DIR    where each build's full output goes    (${TMPDIR:-/tmp}/eo-image-builds)
#   SKIP_ENSURE_DOCKER=1  do not run ensure-docker.sh first
#   MVN              the Maven command                      (mvn)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tag="${IMAGE_TAG:-local}"
prefix="${IMAGE_PREFIX:-eo-}"
log_dir="${BUILD_LOG_DIR:-${TMPDIR:-/tmp}/eo-image-builds}"
mvn_cmd="${MVN:-mvn}"
all_images=(kafka mariadb schema-registry flink)

log() { printf '[build-images] %s\n' "$*" >&2; }
die() { printf '[build-images] ERROR: %s\n' "$*" >&2; exit 1; }

images=("$@")
[ "${#images[@]}" -gt 0 ] || images=("${all_images[@]}")
for image in "${images[@]}"; do
    [ -f "$here/$image/Dockerfile" ] || die "unknown image '$image' (known: ${all_images[*]})"
done

if [ "${SKIP_ENSURE_DOCKER:-0}" != "1" ]; then
    "$here/ensure-docker.sh"
fi
mkdir -p "$log_dir"

# Resolves <image>/pom.xml's dependencies into <image>/lib/ unless lib/ already matches the pom.
fill_lib() {
    local dir="$1" want have
    [ -f "$dir/pom.xml" ] || return 0
    want="$(sha256sum "$dir/pom.xml" | cut -d' ' -f1)"
    have="$(cat "$dir/.lib.sha256" 2>/dev/null || true)"
    if [ "$want" = "$have" ] && [ -d "$dir/lib" ]; then
        return 0
    fi
    log "$(basename "$dir"): resolving jars from pom.xml into lib/"
    rm -rf "${dir:?}/lib" "${dir:?}/.lib.sha256"
    if ! "$mvn_cmd" -B -q -Dstyle.color=never -f "$dir/pom.xml" dependency:copy-dependencies \
            >"$log_dir/$(basename "$dir")-mvn.log" 2>&1; then
        tail -n 30 "$log_dir/$(basename "$dir")-mvn.log" >&2
        die "$(basename "$dir"): mvn dependency:copy-dependencies failed"
    fi
    echo "$want" > "$dir/.lib.sha256"
}

summary=()
for image in "${images[@]}"; do
    dir="$here/$image"
    name="${prefix}${image}:${tag}"
    start=$SECONDS
    fill_lib "$dir"
    log "building $name"
    # The legacy builder and BuildKit both work: the Dockerfiles use no BuildKit-only syntax.
    if ! docker build -t "$name" "$dir" >"$log_dir/$image-docker.log" 2>&1; then
        tail -n 40 "$log_dir/$image-docker.log" >&2
        die "docker build of $name failed (full log: $log_dir/$image-docker.log)"
    fi
    seconds=$((SECONDS - start))
    size="$(docker image inspect -f '{{.Size}}' "$name")"
    summary+=("$(printf '%-28s %4ss  %5s MB' "$name" "$seconds" "$((size / 1000000))")")
done

log "done:"
printf '  %s\n' "${summary[@]}" >&2
