package io.exactlyonce.testkit.run;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

/**
 * Waits until a job has read its whole input and a checkpoint covers it. Flink's Kafka source
 * commits its offsets to the consumer group when a checkpoint completes: once they reach the end of
 * every partition, every record was read and is covered by a completed checkpoint, and a drain then
 * commits everything the job made of it.
 */
public final class InputCheckpointed {

    private InputCheckpointed() {}

    public static void await(
            String bootstrapServers, String topic, String groupId, Duration timeout)
            throws Exception {
        await(bootstrapServers, Map.of(), topic, groupId, timeout);
    }

    /** The same, through a broker that asks for TLS or SASL: {@code security} says how. */
    public static void await(
            String bootstrapServers,
            Map<String, String> security,
            String topic,
            String groupId,
            Duration timeout)
            throws Exception {
        Properties properties = new Properties();
        properties.putAll(security);
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(properties)) {
            Map<TopicPartition, OffsetSpec> latest =
                    admin
                            .describeTopics(List.of(topic))
                            .allTopicNames()
                            .get()
                            .get(topic)
                            .partitions()
                            .stream()
                            .collect(
                                    Collectors.toMap(
                                            p -> new TopicPartition(topic, p.partition()),
                                            p -> OffsetSpec.latest()));
            Map<TopicPartition, Long> end =
                    admin.listOffsets(latest).all().get().entrySet().stream()
                            .collect(
                                    Collectors.toMap(
                                            Map.Entry::getKey, e -> e.getValue().offset()));
            Awaitility.await("the job to read and checkpoint all of " + topic)
                    .atMost(timeout)
                    .ignoreExceptions()
                    .until(
                            () -> {
                                Map<TopicPartition, OffsetAndMetadata> committed =
                                        admin.listConsumerGroupOffsets(groupId)
                                                .partitionsToOffsetAndMetadata()
                                                .get();
                                return end.entrySet().stream()
                                        .allMatch(
                                                e ->
                                                        committed.get(e.getKey()) != null
                                                                && committed
                                                                                .get(e.getKey())
                                                                                .offset()
                                                                        >= e.getValue());
                            });
        }
    }
}
