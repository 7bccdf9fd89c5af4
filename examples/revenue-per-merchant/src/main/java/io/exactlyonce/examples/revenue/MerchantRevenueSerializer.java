package io.exactlyonce.examples.revenue;

import io.exactlyonce.examples.revenue.avro.MerchantRevenue;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Key: the merchant id. Value: the revenue in Confluent's Avro wire format. */
final class MerchantRevenueSerializer implements KafkaRecordSerializationSchema<MerchantRevenue> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final HashMap<String, String> serdeConfig;
    private transient ConfluentAvroSerializer<MerchantRevenue> serializer;

    MerchantRevenueSerializer(String topic, Map<String, String> serdeConfig) {
        this.topic = topic;
        this.serdeConfig = new HashMap<>(serdeConfig);
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sink) {
        serializer = new ConfluentAvroSerializer<>();
        serializer.configure(serdeConfig, false);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            MerchantRevenue revenue, KafkaSinkContext context, Long timestamp) {
        // No timestamp of the record's own: the producer stamps it, so an odd event time can
        // never make the broker refuse the record on every replay.
        return new ProducerRecord<>(topic, null, null,
                revenue.getMerchantId().getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topic, revenue));
    }
}
