package io.exactlyonce.sinks.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a {@link ForwardedRecord} with its bytes unchanged and its headers as UTF-8, stamped with
 * its input record's timestamp. An input record without a usable timestamp (Kafka accepts -1 and
 * other negatives on a CreateTime topic) is left for the producer to stamp: a {@link
 * ProducerRecord} refuses a negative timestamp, which would fail every replay of that record.
 */
final class ForwardedRecordSerializer implements KafkaRecordSerializationSchema<ForwardedRecord> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    ForwardedRecordSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            ForwardedRecord record, KafkaSinkContext context, Long timestamp) {
        ProducerRecord<byte[], byte[]> producerRecord =
                new ProducerRecord<>(topic, null, usable(timestamp), record.key(), record.value());
        record.headers()
                .forEach(
                        (name, value) ->
                                producerRecord
                                        .headers()
                                        .add(name, value.getBytes(StandardCharsets.UTF_8)));
        return producerRecord;
    }

    private static Long usable(Long timestamp) {
        return timestamp == null || timestamp < 0 ? null : timestamp;
    }
}
