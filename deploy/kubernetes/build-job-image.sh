#!/usr/bin/env bash
# Builds the image that deploy/kubernetes/flink-deployment.yaml runs: eo-flink plus the Flink
# Kubernetes integration, the Prometheus reporter, the pod launch scripts and the job jar
# (see Dockerfile.job).
#
# Usage: deploy/kubernetes/build-job-image.sh
#
# Needs: the job jar (deploy/job-jar/target/visit-count-job-*.jar, from the Maven build), a
# Docker engine (tools/ensure-docker.sh starts one), and the base image; if the base
# image is missing it is built with deploy/docker/build-images.sh flink.
#
# Environment (optional):
#   IMAGE        name of the image to build          (eo-visit-count-job:local)
#   BASE_IMAGE   the eo-flink image to start from     (eo-flink:local)
#   JOB_JAR      the job jar                          (deploy/job-jar/target/visit-count-job-*.jar)
#   MVN          the Maven command                    (the project's ./mvnw)
#   BUILD_LOG_DIR  where the build output goes        (${TMPDIR:-/tmp}/eo-image-builds)
#
# To run it on a cluster, make the image reachable from the nodes: push it to a registry
# (IMAGE=registry.example/visit-count-job:TAG, then docker push) or load it into a local
# cluster (kind load docker-image IMAGE, minikube image load IMAGE), and set spec.image.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
image="${IMAGE:-eo-visit-count-job:local}"
base_image="${BASE_IMAGE:-eo-flink:local}"
mvn_cmd="${MVN:-$root/mvnw}"
log_dir="${BUILD_LOG_DIR:-${TMPDIR:-/tmp}/eo-image-builds}"

log() { printf '[build-job-image] %s\n' "$*" >&2; }
die() { printf '[build-job-image] ERROR: %s\n' "$*" >&2; exit 1; }

job_jar="${JOB_JAR:-}"
if [ -z "$job_jar" ]; then
    for candidate in "$root"/deploy/job-jar/target/visit-count-job-*.jar; do
        case "$candidate" in */original-*|*-sources.jar|*-tests.jar) continue ;; esac
        [ -f "$candidate" ] && job_jar="$candidate"
    done
fi
if [ -z "$job_jar" ] || [ ! -f "$job_jar" ]; then
    die "no job jar in deploy/job-jar/target/: build the project with Maven first (or set JOB_JAR)"
fi

"$root/tools/ensure-docker.sh"
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
    [ "$base_image" = "eo-flink:local" ] || die "base image $base_image not found"
    log "building $base_image first"
    SKIP_ENSURE_DOCKER=1 "$root/deploy/docker/build-images.sh" flink
fi

mkdir -p "$log_dir"
context="$(mktemp -d "${TMPDIR:-/tmp}/eo-job-image.XXXXXX")"
trap 'rm -rf "$context"' EXIT

log "resolving flink-kubernetes and flink-metrics-prometheus (image/pom.xml)"
if ! "$mvn_cmd" -B -q -Dstyle.color=never -f "$here/image/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$context/lib" >"$log_dir/job-image-mvn.log" 2>&1; then
    tail -n 30 "$log_dir/job-image-mvn.log" >&2
    die "mvn dependency:copy-dependencies failed (full output: $log_dir/job-image-mvn.log)"
fi
cp "$here/image/eo-k8s-launch.sh" "$context/"
cp "$job_jar" "$context/visit-count-job.jar"
chmod 0644 "$context"/lib/*.jar "$context/visit-count-job.jar"
chmod 0755 "$context/eo-k8s-launch.sh"

log "docker build -t $image (from $base_image, job jar $(basename "$job_jar"))"
if ! docker build --build-arg BASE_IMAGE="$base_image" -t "$image" -f "$here/Dockerfile.job" "$context" \
        >"$log_dir/job-image-build.log" 2>&1; then
    tail -n 30 "$log_dir/job-image-build.log" >&2
    die "docker build failed (full output: $log_dir/job-image-build.log)"
fi
log "built $image"
