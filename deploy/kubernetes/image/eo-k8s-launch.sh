#!/usr/bin/env bash
# Starts a Flink JobManager or TaskManager in a pod made by Flink's native Kubernetes
# integration (used by the Flink Kubernetes Operator), in the eo-flink image, which is built
# from Maven Central jars and has none of the Flink distribution's bin/ scripts.
#
# Flink names the script to run in the pod's arguments, so Dockerfile.job installs this file
# under the two names it uses:
#
#   kubernetes-jobmanager.sh TARGET [-D key=value ...]
#       TARGET is kubernetes-application or kubernetes-session. The JVM memory options come
#       from BashJavaUtils GET_JM_RESOURCE_PARAMS (jobmanager.memory.* in config.yaml, which
#       the operator derives from spec.jobManager.resource.memory).
#   kubernetes-taskmanager.sh [-D key=value ...]
#       The JobManager that created the pod passes the TaskManager's memory configuration as
#       -D arguments and its JVM memory options in the environment, FLINK_TM_JVM_MEM_OPTS.
#
# Both read the configuration from $FLINK_CONF_DIR (/opt/flink/conf), where Flink mounts the
# config map with config.yaml and the log configuration (read-only: nothing is written there).
#
# Environment:
#   FLINK_CONF_DIR   configuration directory                        (/opt/flink/conf)
#   FLINK_LOG_DIR    directory of the log file the web UI shows     (/opt/flink/log)
#   FLINK_JVM_OPTS   extra JVM options (e.g. set in the pod template)
#   FLINK_LOG_LEVEL  root log level, used by eo-flink's log4j-console.properties (INFO)
set -euo pipefail

FLINK_HOME="${FLINK_HOME:-/opt/flink}"
conf_dir="${FLINK_CONF_DIR:-$FLINK_HOME/conf}"
lib_dir="${FLINK_LIB_DIR:-$FLINK_HOME/lib}"
log_dir="${FLINK_LOG_DIR:-$FLINK_HOME/log}"
export FLINK_CONF_DIR="$conf_dir"

# The module flags Flink needs on Java 17+; the same list as deploy/docker/flink/flink-entrypoint.sh.
java_module_opts=(
    --add-exports=java.base/sun.net.util=ALL-UNNAMED
    --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
    --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    --add-opens=java.base/java.net=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.text=ALL-UNNAMED
    --add-opens=java.base/java.time=ALL-UNNAMED
    --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

role_name="$(basename "$0")"
die() { printf '[%s] ERROR: %s\n' "$role_name" "$*" >&2; exit 1; }

[ -f "$conf_dir/config.yaml" ] || die "no $conf_dir/config.yaml: this script runs in pods made by Flink's Kubernetes integration"

# The log configuration that Flink mounted next to config.yaml, if there is one, else eo-flink's.
log4j_config() {
    if [ -f "$conf_dir/log4j-console.properties" ]; then
        echo "$conf_dir/log4j-console.properties"
    else
        echo "$FLINK_HOME/conf-templates/log4j-console.properties"
    fi
}

# Runs the JVM in place of this shell. $1: log file name, $2: main class, then its arguments.
run_java() {
    local log_name="$1" main="$2" mem_opts="$3"
    shift 3
    mkdir -p "$log_dir"
    # $mem_opts and FLINK_JVM_OPTS are word lists (made by Flink, or by the user) with no quoting.
    # shellcheck disable=SC2086
    exec java $mem_opts "${java_module_opts[@]}" ${FLINK_JVM_OPTS:-} \
        -Dlog.file="$log_dir/$log_name" \
        -Dlog4j.configurationFile="file:$(log4j_config)" \
        -cp "$lib_dir/*" "$main" "$@"
}

case "$role_name" in
    kubernetes-jobmanager.sh)
        target="${1:-}"
        [ "$#" -eq 0 ] || shift
        case "$target" in
            kubernetes-application) main=org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint ;;
            kubernetes-session) main=org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint ;;
            *) die "unknown deployment target '$target' (kubernetes-application or kubernetes-session)" ;;
        esac
        # BashJavaUtils prints two result lines: the JVM options, then -D options to pass on.
        out="$(java -Xmx128m "${java_module_opts[@]}" \
                -Dlog4j.configurationFile="file:$FLINK_HOME/conf-templates/log4j-cli.properties" \
                -cp "$lib_dir/*" org.apache.flink.runtime.util.bash.BashJavaUtils \
                GET_JM_RESOURCE_PARAMS --configDir "$conf_dir" "$@")" \
            || die "BashJavaUtils GET_JM_RESOURCE_PARAMS failed: $out"
        out="$(printf '%s\n' "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' | tail -n 2)"
        [ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] || die "BashJavaUtils printed no result"
        jvm_opts="$(printf '%s\n' "$out" | sed -n 1p)"
        dynamic_opts="$(printf '%s\n' "$out" | sed -n 2p)"
        echo "[$role_name] $target: JVM options: $jvm_opts" >&2
        # The entrypoint reads $FLINK_CONF_DIR and takes -D options only.
        # shellcheck disable=SC2086
        run_java jobmanager.log "$main" "$jvm_opts" $dynamic_opts "$@"
        ;;
    kubernetes-taskmanager.sh)
        [ -n "${FLINK_TM_JVM_MEM_OPTS:-}" ] || die "FLINK_TM_JVM_MEM_OPTS is not set (the JobManager sets it on the pods it creates)"
        echo "[$role_name] JVM memory options: $FLINK_TM_JVM_MEM_OPTS" >&2
        run_java taskmanager.log org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner \
            "$FLINK_TM_JVM_MEM_OPTS" --configDir "$conf_dir" "$@"
        ;;
    *)
        die "install this file as kubernetes-jobmanager.sh or kubernetes-taskmanager.sh"
        ;;
esac
