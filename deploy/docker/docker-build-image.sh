#!/usr/bin/env bash
# Builds one image from its module directory: docker build -t NAME DIR.
#
# Usage: deploy/docker/docker-build-image.sh DIR NAME
#
# Maven runs this in each image module's `package` phase, after it copied the image's jars into
# DIR/target/lib/. An unchanged Dockerfile and context reuse Docker's layer cache; a changed jar,
# script or Dockerfile rebuilds from the first layer it touches. The full build output goes to
# DIR/target/docker-build.log. Installs nothing: when the engine or the base image is missing it
# says so and how to get them (ensure-docker.sh).
set -euo pipefail

dir="${1:?usage: docker-build-image.sh DIR NAME}"
name="${2:?usage: docker-build-image.sh DIR NAME}"
base="$(awk 'toupper($1) == "FROM" { print $2; exit }' "$dir/Dockerfile")"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
    printf '[docker-build-image] ERROR: %s\n' "$*" >&2
    exit 1
}

docker info >/dev/null 2>&1 || die "no Docker engine answers, so image $name cannot be built.
  Install and start one with: $here/../../tools/ensure-docker.sh   (uses apt and root)
  Or build without images and container suite: ./mvnw verify -Pwithout-docker"
docker image inspect "$base" >/dev/null 2>&1 || die "base image $base is missing.
  Seed it with: $here/../../tools/ensure-docker.sh   (debootstrap, no registry needed)"

log="$dir/target/docker-build.log"
mkdir -p "$dir/target"
start=$SECONDS
if ! docker build -t "$name" "$dir" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "docker build of $name failed (full log: $log)"
fi
size="$(docker image inspect -f '{{.Size}}' "$name")"
printf '[docker-build-image] %s built in %ss, %s MB\n' "$name" "$((SECONDS - start))" \
    "$((size / 1000000))"
