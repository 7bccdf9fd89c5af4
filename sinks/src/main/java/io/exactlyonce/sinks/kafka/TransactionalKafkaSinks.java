package io.exactlyonce.sinks.kafka;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;

/**
 * Kafka sinks that take part in checkpoints: records go into a transaction that is flushed when the
 * checkpoint barrier passes and committed once the checkpoint completes, so a {@code
 * read_committed} reader sees each record exactly once. Their committers tell a harmless re-commit
 * after a restore from a lost transaction ({@link OutcomeReportingKafkaCommitter}).
 */
public final class TransactionalKafkaSinks {

    private TransactionalKafkaSinks() {}

    /** Records forwarded verbatim with explanatory headers (late events, dead letters). */
    public static TransactionalKafkaSink<ForwardedRecord> forwardedRecords(
            KafkaSinkSettings settings) {
        return create(settings, new ForwardedRecordSerializer(settings.topic()));
    }

    /** A sink of any element type: the serializer names the topic, key and value. */
    public static <T> TransactionalKafkaSink<T> create(
            KafkaSinkSettings settings, KafkaRecordSerializationSchema<T> serializer) {
        var builder =
                KafkaSink.<T>builder()
                        .setBootstrapServers(settings.bootstrapServers())
                        .setKafkaProducerConfig(settings.producerProperties())
                        .setDeliveryGuarantee(settings.deliveryGuarantee())
                        .setRecordSerializer(serializer);
        if (settings.transactionalIdPrefix() != null) {
            // INCREMENTING (the default) is spelled out: POOLING has open recovery bugs and
            // cannot be switched back from.
            builder.setTransactionalIdPrefix(settings.transactionalIdPrefix())
                    .setTransactionNamingStrategy(TransactionNamingStrategy.INCREMENTING);
        }
        return new TransactionalKafkaSink<>(builder.build(), settings);
    }
}
