#!/usr/bin/env bash
# Entrypoint of eo-flink, also installed as /docker-entrypoint.sh, where the official Flink
# image has its entrypoint. Modes, named as in the official image:
#   jobmanager [ARGS...]      standalone session cluster (REST API and web UI on 8081)
#   standalone-job ARGS...    application cluster for a job in /opt/flink/usrlib:
#                             --job-classname CLASS [--job-id ID] [--fromSavepoint PATH
#                             [--allowNonRestoredState]] [--jars JAR,...] [-D key=value] [job args]
#   taskmanager [ARGS...]     TaskManager; memory and CPU options computed by Flink's BashJavaUtils
#   flink ARGS...             the Flink command line (CliFrontend), e.g. `flink list`, `flink run -d JAR`
#   help                      this text
#   anything else             run as given, with the configuration left as it is
# ARGS of the daemons are Flink's -D key=value options. The daemon modes first write
# $FLINK_CONF_DIR/config.yaml from the environment (see below).
#
# Environment (the official image's names first; later keys win over earlier ones):
#   JOB_MANAGER_RPC_ADDRESS            jobmanager.rpc.address and rest.address  (jobmanager)
#     or FLINK_JOBMANAGER_HOST
#   TASK_MANAGER_NUMBER_OF_TASK_SLOTS  taskmanager.numberOfTaskSlots            (2)
#     or FLINK_TASK_SLOTS
#   FLINK_PROPERTIES        config.yaml lines, `key: value` one a line; a key given here
#                           replaces the same key set by any other variable. $VAR and ${VAR}
#                           in a value are replaced by the environment variable's value
#   ENABLE_BUILT_IN_PLUGINS plugin jars, ';'-separated: the ones this image has are always
#                           enabled (flink-metrics-prometheus); any other is an error
#   DISABLE_JEMALLOC        accepted; this image uses glibc's allocator in any case
#   FLINK_JM_PROCESS_MEMORY jobmanager.memory.process.size                  (1600m)
#   FLINK_TM_PROCESS_MEMORY taskmanager.memory.process.size                 (1728m)
#   FLINK_PARALLELISM       parallelism.default                             (1)
#   FLINK_TM_HOST           taskmanager.host: the address the TaskManager announces
#                           (this container's IP on its first network)
#   FLINK_JVM_OPTS          extra JVM options for the JobManager and TaskManager
#   FLINK_LOG_LEVEL         root log level of JobManager/TaskManager        (INFO)
#   FLINK_CLI_LOG_LEVEL     root log level of `flink` (to stderr)           (WARN)
set -euo pipefail

# Started as a container's PID 1 (a Kubernetes pod's command names this script, replacing the
# image's ENTRYPOINT): put tini in front, as the image's ENTRYPOINT does, so the JVM is not PID
# 1, receives the signals and its exit code 143 after SIGTERM counts as a clean stop.
if [ "$$" -eq 1 ] && [ -x /usr/bin/tini ]; then
    exec /usr/bin/tini -e 143 -- "$0" "$@"
fi

FLINK_HOME="${FLINK_HOME:-/opt/flink}"
conf_dir="${FLINK_CONF_DIR:-$FLINK_HOME/conf}"
lib_dir="${FLINK_LIB_DIR:-$FLINK_HOME/lib}"
classpath="$lib_dir/*"
export FLINK_CONF_DIR="$conf_dir"

# The JDK module flags Flink needs on Java 17+ (what the distribution's config.yaml puts into
# env.java.default-opts.all; the jdk.compiler ones, only for the Table planner, are left out
# because the headless JRE has no jdk.compiler module).
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

usage() { sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf '[flink-entrypoint] ERROR: %s\n' "$*" >&2; exit 1; }

container_ip() {
    getent ahostsv4 "$HOSTNAME" | awk 'NR == 1 { print $1 }'
}

# $NAME and ${NAME} replaced by the environment variable's value, empty if it is unset (what
# the official image does with envsubst).
expand_variables() {
    local rest="$1" out="" name
    while [[ "$rest" =~ ^([^\$]*)\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))(.*)$ ]]; do
        name="${BASH_REMATCH[3]:-${BASH_REMATCH[4]}}"
        out+="${BASH_REMATCH[1]}${!name:-}"
        rest="${BASH_REMATCH[5]}"
    done
    printf '%s' "$out$rest"
}

# The official image links plugins from opt/ into plugins/; this image ships its plugins
# enabled, so a named one must be there already.
check_plugins() {
    local plugin
    local -a plugins
    IFS=';' read -r -a plugins <<< "${ENABLE_BUILT_IN_PLUGINS:-}"
    for plugin in "${plugins[@]}"; do
        plugin="$(echo "$plugin" | xargs)"
        [ -n "$plugin" ] || continue
        compgen -G "$FLINK_HOME/plugins/*/${plugin%.jar}*.jar" >/dev/null \
            || die "ENABLE_BUILT_IN_PLUGINS names $plugin, which this image does not have; it has: $(cd "$FLINK_HOME/plugins" && ls -d -- */ 2>/dev/null | tr -d / | xargs)"
    done
}

# Writes config.yaml (flat `key: value` lines, which Flink 2.x reads) and the log configs.
write_config() {
    local role="$1" jm_host tm_host line key value
    jm_host="${JOB_MANAGER_RPC_ADDRESS:-${FLINK_JOBMANAGER_HOST:-jobmanager}}"
    declare -A cfg=()
    local -a order=()
    put() { [ -n "${cfg[$1]+x}" ] || order+=("$1"); cfg[$1]="$2"; }

    put jobmanager.rpc.address "$jm_host"
    put jobmanager.rpc.port 6123
    put jobmanager.bind-host 0.0.0.0
    put jobmanager.memory.process.size "${FLINK_JM_PROCESS_MEMORY:-1600m}"
    put rest.address "$jm_host"
    put rest.port 8081
    put rest.bind-address 0.0.0.0
    put blob.server.port 6124
    put taskmanager.bind-host 0.0.0.0
    put taskmanager.rpc.port 6122
    put taskmanager.memory.process.size "${FLINK_TM_PROCESS_MEMORY:-1728m}"
    put taskmanager.numberOfTaskSlots "${TASK_MANAGER_NUMBER_OF_TASK_SLOTS:-${FLINK_TASK_SLOTS:-2}}"
    put parallelism.default "${FLINK_PARALLELISM:-1}"
    # Jar upload through the web UI runs any code on the cluster: off unless FLINK_PROPERTIES
    # asks (flink run submits a job graph, not a jar, and needs no upload).
    put web.submit.enable false
    put web.cancel.enable true
    if [ "$role" = taskmanager ]; then
        tm_host="${FLINK_TM_HOST:-$(container_ip)}"
        [ -n "$tm_host" ] && put taskmanager.host "$tm_host"
    fi
    put env.java.default-opts.all "${java_module_opts[*]}"

    if [ -n "${FLINK_PROPERTIES:-}" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            case "$line" in ''|'#'*) continue ;; esac
            key="${line%%:*}"
            value="${line#*:}"
            [ "$key" != "$line" ] || die "FLINK_PROPERTIES line is not 'key: value': $line"
            key="$(echo "$key" | xargs)"
            value="${value#"${value%%[![:space:]]*}"}"
            value="${value%"${value##*[![:space:]]}"}"
            put "$key" "$(expand_variables "$value")"
        done <<< "$FLINK_PROPERTIES"
    fi

    mkdir -p "$conf_dir"
    {
        echo "# Written by flink-entrypoint.sh ($role) at container start; edits are overwritten."
        for key in "${order[@]}"; do
            echo "$key: ${cfg[$key]}"
        done
    } > "$conf_dir/config.yaml"
    cp "$FLINK_HOME/conf-templates/log4j-console.properties" "$FLINK_HOME/conf-templates/log4j-cli.properties" "$conf_dir/"
}

# Runs BashJavaUtils and prints its two result lines (JVM options, then dynamic -D options).
bash_java_utils() {
    local out
    out="$(java -Xmx128m "${java_module_opts[@]}" \
        -Dlog4j.configurationFile="file:$conf_dir/log4j-cli.properties" \
        -cp "$classpath" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" \
        --configDir "$conf_dir")" || die "BashJavaUtils $1 failed: $out"
    out="$(printf '%s\n' "$out" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' | tail -n 2)"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 2 ] || die "BashJavaUtils $1 printed no result"
    printf '%s\n' "$out"
}

start_daemon() {
    local role="$1" main="$2" utils_cmd="$3" result jvm_opts dynamic_opts
    shift 3
    check_plugins
    write_config "$role"
    result="$(bash_java_utils "$utils_cmd")"
    jvm_opts="$(printf '%s\n' "$result" | sed -n 1p)"
    dynamic_opts="$(printf '%s\n' "$result" | sed -n 2p)"
    echo "[flink-entrypoint] $role: JVM options: $jvm_opts" >&2
    echo "[flink-entrypoint] $role: dynamic options: $dynamic_opts" >&2
    mkdir -p "$FLINK_HOME/log"
    # $jvm_opts and $dynamic_opts are word lists made by BashJavaUtils (no quoting inside).
    # shellcheck disable=SC2086
    exec java $jvm_opts "${java_module_opts[@]}" ${FLINK_JVM_OPTS:-} \
        -Dlog.file="$FLINK_HOME/log/$role.log" \
        -Dlog4j.configurationFile="file:$conf_dir/log4j-console.properties" \
        -cp "$classpath" "$main" --configDir "$conf_dir" $dynamic_opts "$@"
}

mode="${1:-help}"
[ "$#" -eq 0 ] || shift

case "$mode" in
    jobmanager)
        start_daemon jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
            GET_JM_RESOURCE_PARAMS "$@"
        ;;
    standalone-job)
        start_daemon jobmanager org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint \
            GET_JM_RESOURCE_PARAMS "$@"
        ;;
    taskmanager)
        start_daemon taskmanager org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
            GET_TM_RESOURCE_PARAMS "$@"
        ;;
    flink)
        # Inside a running JobManager/TaskManager (docker exec ... flink list), keep its config.
        [ -f "$conf_dir/config.yaml" ] || write_config cli
        exec java ${FLINK_CLI_JVM_OPTS:--Xmx512m} "${java_module_opts[@]}" \
            -Dlog4j.configurationFile="file:$conf_dir/log4j-cli.properties" \
            -cp "$classpath" org.apache.flink.client.cli.CliFrontend "$@"
        ;;
    help|--help|-h)
        usage
        ;;
    *)
        exec "$mode" "$@"
        ;;
esac
