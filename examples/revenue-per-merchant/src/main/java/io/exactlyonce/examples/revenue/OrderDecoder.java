package io.exactlyonce.examples.revenue;

import io.exactlyonce.examples.revenue.avro.OrderPlaced;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.model.serde.RecordDecodingException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes in the source, so watermarks come from each partition's own event times. Every record
 * yields one {@link Input}: an order or a dead letter, never an exception. A registry that
 * cannot be reached is not bad input: that error fails the job, which reads the record again.
 */
final class OrderDecoder implements KafkaRecordDeserializationSchema<Input> {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, String> serdeConfig;
    private transient ConfluentAvroDeserializer<OrderPlaced> deserializer;

    OrderDecoder(Map<String, String> serdeConfig) {
        this.serdeConfig = new HashMap<>(serdeConfig);
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        deserializer = new ConfluentAvroDeserializer<>(OrderPlaced.class);
        deserializer.configure(serdeConfig, false);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Input> out) {
        out.collect(decode(record));
    }

    private Input decode(ConsumerRecord<byte[], byte[]> record) {
        OrderPlaced order;
        try {
            order = deserializer.deserialize(record.topic(), record.value());
        } catch (RecordDecodingException e) {
            return Input.deadLetter(record, e.reason().name(), e.getMessage());
        }
        String merchant = order.getMerchantId();
        if (merchant.isBlank()) {
            return Input.deadLetter(record, "MISSING_MERCHANT_ID", "merchant_id is empty");
        }
        if (merchant.codePointCount(0, merchant.length()) > MerchantRevenueTable.MERCHANT_ID_MAX) {
            // The upsert would fail on every replay.
            return Input.deadLetter(record, "MERCHANT_ID_TOO_LONG", "merchant_id is longer than "
                    + MerchantRevenueTable.MERCHANT_ID_MAX + " characters");
        }
        return Input.order(record, order.getOrderId(), merchant, order.getAmountCents(),
                order.getEventTime().toEpochMilli());
    }

    @Override
    public TypeInformation<Input> getProducedType() {
        return TypeInformation.of(Input.class);
    }
}
