#!/usr/bin/env bash
# Builds the project's container images by hand, outside a full build:
#
#   eo-kafka:local  eo-mariadb:local  eo-schema-registry:local  eo-flink:local  eo-zookeeper:local
#
# Usage: deploy/docker/build-images.sh [kafka|mariadb|schema-registry|flink|zookeeper ...]   (default: all)
#
# Makes sure a Docker engine and the base image exist (ensure-docker.sh), then runs Maven's
# `package` on the image modules: each copies its jars into target/lib/ and builds its image
# (docker-build-image.sh). `./mvnw verify` builds them the same way before the container suite.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
all_images=(kafka mariadb schema-registry flink zookeeper)

images=("$@")
[ "${#images[@]}" -gt 0 ] || images=("${all_images[@]}")
modules=()
for image in "${images[@]}"; do
    [ -f "$here/$image/pom.xml" ] || {
        printf '[build-images] ERROR: unknown image %s (known: %s)\n' "$image" "${all_images[*]}" >&2
        exit 2
    }
    modules+=("deploy/docker/$image")
done

"$here/../../tools/ensure-docker.sh"
cd "$repo"
modules_csv="$(IFS=,; echo "${modules[*]}")"
./mvnw -B -q -Dstyle.color=never -pl "$modules_csv" -am package -DskipTests
