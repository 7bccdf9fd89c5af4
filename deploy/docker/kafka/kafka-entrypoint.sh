#!/usr/bin/env bash
# Entrypoint of eo-kafka. `kafka` (the default command) writes server.properties from the
# environment, formats the storage on the first start and runs the broker in the foreground
# (under tini, see the Dockerfile). Any other command is run as given, e.g. `kafka-topics ...`.
set -euo pipefail

KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"

if [ "${1:-kafka}" != "kafka" ]; then
    exec "$@"
fi

conf_dir="$KAFKA_HOME/config"
props="$conf_dir/server.properties"
data_dir="${KAFKA_DATA_DIR:-/var/lib/kafka/data}"
node_id="${KAFKA_NODE_ID:-1}"

# This container's address on its (first) Docker network, for the INTERNAL listener.
container_ip="$(getent ahostsv4 "$HOSTNAME" | awk 'NR == 1 { print $1 }')"
container_ip="${container_ip:-127.0.0.1}"

listeners="${KAFKA_LISTENERS:-EXTERNAL://:9092,INTERNAL://:19092,CONTROLLER://:9093}"
advertised="${KAFKA_ADVERTISED_LISTENERS:-EXTERNAL://localhost:9092}"
# The broker needs the INTERNAL listener for itself; add it unless it was given.
case ",$advertised" in
    *,INTERNAL://*) ;;
    *) advertised="${advertised},INTERNAL://${container_ip}:19092" ;;
esac

{
    echo "# Written by kafka-entrypoint.sh at container start; edits are overwritten."
    echo "process.roles=broker,controller"
    echo "node.id=${node_id}"
    echo "controller.quorum.voters=${node_id}@localhost:9093"
    echo "controller.listener.names=CONTROLLER"
    echo "listeners=${listeners}"
    echo "advertised.listeners=${advertised}"
    echo "listener.security.protocol.map=${KAFKA_LISTENER_SECURITY_PROTOCOL_MAP:-EXTERNAL:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT}"
    # The broker reaches itself (e.g. the transaction coordinator writing commit markers) on
    # this listener, so it must be reachable from inside the container.
    echo "inter.broker.listener.name=${KAFKA_INTER_BROKER_LISTENER_NAME:-INTERNAL}"
    echo "log.dirs=${data_dir}"
    echo "num.partitions=1"
    # One broker: internal topics cannot have more than one replica.
    echo "offsets.topic.replication.factor=1"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "share.coordinator.state.topic.replication.factor=1"
    echo "share.coordinator.state.topic.min.isr=1"
    echo "group.initial.rebalance.delay.ms=0"
    # KAFKA_CFG_<NAME>=value sets any broker property: NAME lower-cased, '_' becomes '.',
    # '__' becomes '_' (KAFKA_CFG_TRANSACTION_MAX_TIMEOUT_MS=3600000 -> transaction.max.timeout.ms).
    # Written last, so it overrides the lines above.
    while IFS='=' read -r -d '' name value; do
        case "$name" in
            KAFKA_CFG_*)
                key="${name#KAFKA_CFG_}"
                key="${key,,}"
                key="${key//__/$'\x01'}"
                key="${key//_/.}"
                key="${key//$'\x01'/_}"
                echo "${key}=${value}"
                ;;
        esac
    done < <(env -0)
} > "$props"

heap_opts="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
jvm_opts="${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent}"
log_opts="-Dlog4j2.configurationFile=$KAFKA_HOME/log4j2.properties"
tool_log_opts="-Dlog4j2.configurationFile=$KAFKA_HOME/log4j2-tools.properties"
classpath="$KAFKA_HOME/libs/*"

if [ ! -f "$data_dir/meta.properties" ]; then
    cluster_id="${KAFKA_CLUSTER_ID:-}"
    if [ -z "$cluster_id" ]; then
        cluster_id="$(java -Xmx128m $tool_log_opts -cp "$classpath" kafka.tools.StorageTool random-uuid)"
    fi
    echo "kafka-entrypoint: formatting $data_dir for cluster $cluster_id (first start)" >&2
    # With controller.quorum.voters set, no --standalone (that is for a dynamic quorum).
    java -Xmx256m $tool_log_opts -cp "$classpath" kafka.tools.StorageTool format \
        --cluster-id "$cluster_id" --config "$props" --ignore-formatted
fi

echo "kafka-entrypoint: starting broker; advertised.listeners=${advertised}" >&2
exec java $heap_opts $jvm_opts ${KAFKA_OPTS:-} $log_opts -cp "$classpath" kafka.Kafka "$props"
