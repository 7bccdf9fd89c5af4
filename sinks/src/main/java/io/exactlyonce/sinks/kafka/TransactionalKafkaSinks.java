package io.exactlyonce.sinks.kafka;

import io.exactlyonce.model.avro.UserVisitCount;
import java.util.Map;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;

/**
 * Kafka sinks that take part in checkpoints: records go into a transaction that is flushed when
 * the checkpoint barrier passes and committed once the checkpoint completes, so a
 * {@code read_committed} reader sees each record exactly once.
 */
public final class TransactionalKafkaSinks {

    private TransactionalKafkaSinks() {}

    /** The visit counts, Avro in Confluent's wire format, keyed by user id. */
    public static KafkaSink<UserVisitCount> visitCounts(
            KafkaSinkSettings settings, Map<String, String> serdeConfig) {
        return build(settings, new VisitCountSerializer(settings.topic(), serdeConfig));
    }

    /** Records forwarded verbatim with explanatory headers (late events, dead letters). */
    public static KafkaSink<ForwardedRecord> forwardedRecords(KafkaSinkSettings settings) {
        return build(settings, new ForwardedRecordSerializer(settings.topic()));
    }

    private static <T> KafkaSink<T> build(
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
        return builder.build();
    }
}
