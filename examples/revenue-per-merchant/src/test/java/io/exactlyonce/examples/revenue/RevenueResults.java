package io.exactlyonce.examples.revenue;

import io.exactlyonce.examples.revenue.avro.MerchantRevenue;
import io.exactlyonce.model.serde.ConfluentAvroDeserializer;
import io.exactlyonce.testkit.verify.Observations.CommittedValue;
import io.exactlyonce.testkit.verify.ResultFormat;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** How the testkit reads this job's results: revenue per (merchant, window). */
final class RevenueResults implements ResultFormat {

    private final ConfluentAvroDeserializer<MerchantRevenue> deserializer =
            new ConfluentAvroDeserializer<>(MerchantRevenue.class);

    RevenueResults(String registryUrl) {
        deserializer.configure(Map.of("schema.registry.url", registryUrl), false);
    }

    @Override
    public CommittedValue fromKafka(ConsumerRecord<byte[], byte[]> record) {
        MerchantRevenue revenue = deserializer.deserialize(record.topic(), record.value());
        return new CommittedValue(revenue.getMerchantId(),
                revenue.getWindowStart().toEpochMilli(), revenue.getRevenueCents(), 1);
    }

    @Override
    public String selectRows() {
        return "SELECT merchant_id, window_start, revenue_cents, write_count FROM merchant_revenue";
    }
}
