#!/usr/bin/env bash
# Container command of the JobManager and TaskManager pods that Flink's native Kubernetes
# integration (and so the Flink Kubernetes Operator) creates from the visit-count image.
#
# Flink starts its pods as  <kubernetes.entry.path> bash -c "<launch script> ARGS"  and its
# default entry path, /docker-entrypoint.sh, exists only in the official Flink images. The
# FlinkDeployment sets  kubernetes.entry.path: /opt/flink/bin/eo-k8s-entrypoint.sh  so this
# file runs instead. A pod's command replaces the image's ENTRYPOINT, so tini is started here:
# it is PID 1, forwards signals to the JVM, and exit code 143 (the JVM after SIGTERM) counts as
# a clean stop, as in the eo-flink image.
set -euo pipefail

[ "$#" -gt 0 ] || { echo "[eo-k8s-entrypoint] usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
exec /usr/bin/tini -e 143 -- "$@"
