package io.exactlyonce.pipeline.connect;

import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Key: the user id, so all windows of a user land in one partition in order. Value: the count in
 * Confluent's Avro wire format, its schema registered through the configured registry.
 */
final class VisitCountSerializer implements KafkaRecordSerializationSchema<UserVisitCount> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final HashMap<String, String> serdeConfig;
    private transient ConfluentAvroSerializer<UserVisitCount> valueSerializer;

    VisitCountSerializer(String topic, Map<String, String> serdeConfig) {
        this.topic = topic;
        this.serdeConfig = new HashMap<>(serdeConfig);
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
        valueSerializer = new ConfluentAvroSerializer<>();
        valueSerializer.configure(serdeConfig, false);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            UserVisitCount count, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(
                topic,
                null,
                count.getWindowEnd().toEpochMilli(),
                count.getUserId().getBytes(StandardCharsets.UTF_8),
                valueSerializer.serialize(topic, count));
    }
}
