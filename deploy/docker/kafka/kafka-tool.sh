#!/usr/bin/env bash
# Kafka command-line tools without Kafka's shell scripts: dispatches on the name it is called by
# (symlinks in /usr/local/bin, and the apache/kafka image's names with .sh in /opt/kafka/bin),
# e.g. `kafka-topics --bootstrap-server localhost:19092 --list` or `/opt/kafka/bin/kafka-topics.sh ...`.
set -euo pipefail
KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"
name="$(basename "$0" .sh)"
case "$name" in
    kafka-topics)           main=org.apache.kafka.tools.TopicCommand ;;
    kafka-console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
    kafka-console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    kafka-consumer-groups)  main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    kafka-configs)          main=kafka.admin.ConfigCommand ;;
    kafka-transactions)     main=org.apache.kafka.tools.TransactionsCommand ;;
    kafka-metadata-quorum)  main=org.apache.kafka.tools.MetadataQuorumCommand ;;
    kafka-storage)          main=kafka.tools.StorageTool ;;
    kafka-run-class)        main="$1"; shift ;;
    *) echo "kafka-tool.sh: unknown tool name '$name'" >&2; exit 2 ;;
esac
# Tools log only warnings, to stderr, so their stdout stays clean.
exec java ${KAFKA_TOOL_OPTS:--Xmx256m -XX:TieredStopAtLevel=1} \
    -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2-tools.properties" \
    -cp "$KAFKA_HOME/libs/*" "$main" "$@"
