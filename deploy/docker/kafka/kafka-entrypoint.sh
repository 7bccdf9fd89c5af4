#!/usr/bin/env bash
# Entrypoint of eo-kafka. `kafka` (the default command) writes server.properties from the
# environment, formats the storage on the first start and runs the broker in the foreground
# (under tini, see the Dockerfile). Any other command is run as given, e.g. `kafka-topics ...`.
#
# server.properties, from lowest to highest precedence:
#   1. single-node defaults (one KRaft node, listeners EXTERNAL/INTERNAL/CONTROLLER);
#   2. KAFKA_<NAME>=value, named the way the apache/kafka image names them: NAME upper-cased,
#      '.' written as '_', '_' as '__', '-' as '___' (KAFKA_PROCESS_ROLES -> process.roles,
#      KAFKA_LOG_DIRS -> log.dirs); the JVM and logging variables below are no properties;
#   3. KAFKA_CFG_<NAME>=value (this image's older form: '_' -> '.', '__' -> '_').
# CLUSTER_ID (or KAFKA_CLUSTER_ID) is only used to format the storage on the first start, and
# so is KAFKA_SCRAM_CREDENTIALS_FILE: a file with one SCRAM credential per line
# (SCRAM-SHA-512=[name=alice,password=...]), each given to `kafka-storage format --add-scram`,
# so that a SASL/SCRAM listener has its users, the inter-broker one included, before it starts.
set -euo pipefail

KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"

if [ "${1:-kafka}" != "kafka" ]; then
    exec "$@"
fi

die() { printf 'kafka-entrypoint: ERROR: %s\n' "$*" >&2; exit 1; }

conf_dir="$KAFKA_HOME/config"
props="$conf_dir/server.properties"

# KAFKA_* variables that configure the JVM, the logging or this script, not the broker.
not_properties=" KAFKA_HOME KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_OPTS
    KAFKA_GC_LOG_OPTS KAFKA_JMX_OPTS KAFKA_JMX_PORT KAFKA_JMX_HOSTNAME KAFKA_LOG4J_OPTS
    KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_LOG_LEVEL
    KAFKA_TOOL_OPTS KAFKA_DATA_DIR KAFKA_CLUSTER_ID KAFKA_SCRAM_CREDENTIALS_FILE "
not_properties="${not_properties//$'\n'/ }"

# apache/kafka's naming: runs of one, two and three underscores are '.', '_' and '-'.
property_name() {
    local name="${1,,}" out="" run
    while [[ "$name" =~ ^([^_]*)(_+)(.*)$ ]]; do
        out+="${BASH_REMATCH[1]}"
        run="${BASH_REMATCH[2]}"
        case "${#run}" in
            1) out+="." ;;
            2) out+="_" ;;
            3) out+="-" ;;
            *) die "environment variable KAFKA_$1: ${#run} underscores in a row name no property character" ;;
        esac
        name="${BASH_REMATCH[3]}"
    done
    printf '%s' "$out$name"
}

declare -A cfg=()
order=()
put() { [ -n "${cfg[$1]+x}" ] || order+=("$1"); cfg[$1]="$2"; }
has() { [ -n "${cfg[$1]+x}" ]; }

# The value of listener NAME in a listeners list (NAME://host:port), or nothing.
listener_of() {
    local name="$1" entry
    local -a entries
    IFS=',' read -r -a entries <<< "$2"
    for entry in "${entries[@]}"; do
        entry="${entry// /}"
        [ "${entry%%://*}" = "$name" ] && { printf '%s' "$entry"; return 0; }
    done
    return 1
}

# The listener names in a listeners list.
listener_names() {
    local entry
    local -a entries
    IFS=',' read -r -a entries <<< "$1"
    for entry in "${entries[@]}"; do
        entry="${entry// /}"
        [ -n "$entry" ] && printf '%s\n' "${entry%%://*}"
    done
}

# --- 2. and 3.: the properties the environment names.
declare -A given=()
declare -a given_order=()
declare -A legacy=()
declare -a legacy_order=()
while IFS='=' read -r -d '' name value; do
    case "$name" in
        KAFKA_CFG_*)
            # The older form: '__' is '_', '_' is '.'.
            key="${name#KAFKA_CFG_}"
            key="${key,,}"
            key="${key//__/$'\x01'}"
            key="${key//_/.}"
            key="${key//$'\x01'/_}"
            legacy_order+=("$key"); legacy[$key]="$value"
            ;;
        KAFKA_*)
            case "$not_properties" in *" $name "*) continue ;; esac
            key="$(property_name "${name#KAFKA_}")"
            given_order+=("$key"); given[$key]="$value"
            ;;
    esac
done < <(env -0)
env_value() {
    if [ -n "${legacy[$1]+x}" ]; then printf '%s' "${legacy[$1]}"
    elif [ -n "${given[$1]+x}" ]; then printf '%s' "${given[$1]}"
    else return 1
    fi
}

roles="$(env_value process.roles || echo broker,controller)"
node_id="$(env_value node.id || echo 1)"
is_broker=false; is_controller=false
case ",${roles// /}," in *,broker,*) is_broker=true ;; esac
case ",${roles// /}," in *,controller,*) is_controller=true ;; esac
controller_names="$(env_value controller.listener.names || echo CONTROLLER)"
controller_name="${controller_names%%,*}"
advertised="$(env_value advertised.listeners || echo EXTERNAL://localhost:9092)"

if listeners="$(env_value listeners)"; then
    :
elif ! $is_broker; then
    listeners="${controller_name}://:9093"
elif [ -z "$(listener_names "$advertised" | grep -vxE 'EXTERNAL|INTERNAL' || true)" ]; then
    # The advertised listeners use this image's names: its listeners fit them.
    listeners="EXTERNAL://:9092,INTERNAL://:19092,${controller_name}://:9093"
else
    # As apache/kafka does: listen where the advertised listeners point, on every interface.
    listeners="$(printf '%s' "$advertised" | sed -e 's|://[^:,]*:|://0.0.0.0:|g')"
    if $is_controller && ! listener_of "$controller_name" "$listeners" >/dev/null; then
        listeners="${listeners},${controller_name}://:9093"
    fi
fi

# --- 1. single-node defaults, each only where the environment gives no value.
put process.roles "$roles"
put node.id "$node_id"
if ! env_value controller.quorum.bootstrap.servers >/dev/null; then
    controller_listener="$(listener_of "$controller_name" "$listeners" || true)"
    controller_port="${controller_listener##*:}"
    put controller.quorum.voters "${node_id}@localhost:${controller_port:-9093}"
fi
put controller.listener.names "$controller_names"
put listeners "$listeners"
if $is_broker; then
    # The broker reaches itself (e.g. the transaction coordinator writing commit markers) on
    # the INTERNAL listener, so it is advertised at this container's address unless given.
    if internal="$(listener_of INTERNAL "$listeners")" && ! listener_of INTERNAL "$advertised" >/dev/null; then
        container_ip="$(getent ahostsv4 "$HOSTNAME" | awk 'NR == 1 { print $1 }')"
        advertised="${advertised},INTERNAL://${container_ip:-127.0.0.1}:${internal##*:}"
    fi
    put advertised.listeners "$advertised"
    if listener_of INTERNAL "$listeners" >/dev/null; then
        put inter.broker.listener.name INTERNAL
    fi
fi
# Kafka's own map, plus this image's listener names and apache/kafka's PLAINTEXT_HOST.
put listener.security.protocol.map "EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"
put log.dirs "${KAFKA_DATA_DIR:-/var/lib/kafka/data}"
put num.partitions 1
# One broker: internal topics cannot have more than one replica.
put offsets.topic.replication.factor 1
put transaction.state.log.replication.factor 1
put transaction.state.log.min.isr 1
put share.coordinator.state.topic.replication.factor 1
put share.coordinator.state.topic.min.isr 1
put group.initial.rebalance.delay.ms 0

# The rest of what the environment names; the keys above already took their values from it.
computed=" process.roles node.id controller.listener.names listeners advertised.listeners "
for key in "${given_order[@]}"; do
    case "$computed" in *" $key "*) ;; *) put "$key" "${given[$key]}" ;; esac
done
for key in "${legacy_order[@]}"; do
    case "$computed" in *" $key "*) ;; *) put "$key" "${legacy[$key]}" ;; esac
done

{
    echo "# Written by kafka-entrypoint.sh at container start; edits are overwritten."
    for key in "${order[@]}"; do
        echo "${key}=${cfg[$key]}"
    done
} > "$props"

export KAFKA_LOG_LEVEL="${KAFKA_LOG_LEVEL:-${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}}"
heap_opts="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
jvm_opts="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent}"
log_opts="-Dlog4j2.configurationFile=$KAFKA_HOME/log4j2.properties"
tool_log_opts="-Dlog4j2.configurationFile=$KAFKA_HOME/log4j2-tools.properties"
classpath="$KAFKA_HOME/libs/*"

formatted=true
IFS=',' read -r -a log_dirs <<< "${cfg[log.dirs]}"
for dir in "${log_dirs[@]}"; do
    [ -f "${dir// /}/meta.properties" ] || formatted=false
done
if ! $formatted; then
    [ -z "${CLUSTER_ID:-}" ] || [ -z "${KAFKA_CLUSTER_ID:-}" ] || [ "$CLUSTER_ID" = "$KAFKA_CLUSTER_ID" ] \
        || die "CLUSTER_ID and KAFKA_CLUSTER_ID differ; set one of them"
    cluster_id="${CLUSTER_ID:-${KAFKA_CLUSTER_ID:-}}"
    if [ -z "$cluster_id" ]; then
        cluster_id="$(java -Xmx128m $tool_log_opts -cp "$classpath" kafka.tools.StorageTool random-uuid)"
    fi
    echo "kafka-entrypoint: formatting ${cfg[log.dirs]} for cluster $cluster_id (first start)" >&2
    scram=()
    if [ -n "${KAFKA_SCRAM_CREDENTIALS_FILE:-}" ]; then
        [ -r "$KAFKA_SCRAM_CREDENTIALS_FILE" ] || die "KAFKA_SCRAM_CREDENTIALS_FILE: cannot read $KAFKA_SCRAM_CREDENTIALS_FILE"
        while IFS= read -r credential || [ -n "$credential" ]; do
            [ -n "${credential// /}" ] && scram+=(--add-scram "$credential")
        done < "$KAFKA_SCRAM_CREDENTIALS_FILE"
        echo "kafka-entrypoint: adding $(( ${#scram[@]} / 2 )) SCRAM credential(s) from $KAFKA_SCRAM_CREDENTIALS_FILE" >&2
    fi
    # With controller.quorum.voters set, no --standalone (that is for a dynamic quorum).
    java -Xmx256m $tool_log_opts -cp "$classpath" kafka.tools.StorageTool format \
        --cluster-id "$cluster_id" --config "$props" --ignore-formatted "${scram[@]}"
fi

echo "kafka-entrypoint: starting node ${cfg[node.id]} (${cfg[process.roles]}); listeners=${cfg[listeners]} advertised.listeners=${cfg[advertised.listeners]:-}" >&2
exec java $heap_opts $jvm_opts ${KAFKA_OPTS:-} $log_opts -cp "$classpath" kafka.Kafka "$props"
