package io.exactlyonce.examples.revenue;

import io.exactlyonce.examples.revenue.avro.OrderPlaced;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.testkit.verify.Expectation;
import io.exactlyonce.testkit.verify.PlannedRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded orders with a known answer: event times advance through the windows, never more than
 * {@code jitter} out of order, and a few records of every kind the job must dead-letter.
 */
final class OrderTraffic {

    private OrderTraffic() {}

    static List<PlannedRecord> plan(ConfluentAvroSerializer<OrderPlaced> serializer, String topic,
            long seed, int orders, int windows, Duration windowSize, Duration jitter) {
        Random random = new Random(seed);
        long now = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        long start = now - now % windowSize.toMillis();
        long span = windowSize.toMillis() * windows;
        List<PlannedRecord> planned = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            long base = start + span * i / orders;
            long eventTime =
                    Math.max(start, base - (long) (random.nextDouble() * jitter.toMillis()));
            String merchant = "merchant-" + random.nextInt(10);
            long amount = 100 + random.nextInt(100_000);
            String orderId = "order-" + seed + "-" + i;
            planned.add(new PlannedRecord(merchant.getBytes(StandardCharsets.UTF_8),
                    serializer.serialize(topic, order(orderId, merchant, amount, eventTime)),
                    base + 100,
                    new Expectation.Valid(orderId, merchant, eventTime, amount,
                            Expectation.Timing.ON_TIME)));
        }
        byte[] valid = serializer.serialize(topic, order("bad", "merchant-0", 1, start));
        byte[] badMagic = valid.clone();
        badMagic[0] = 1;
        List<PlannedRecord> rejects = List.of(
                reject(badMagic, "BAD_MAGIC_BYTE"),
                reject(Arrays.copyOf(valid, 3), "TRUNCATED"),
                reject(null, "NULL_PAYLOAD"),
                reject(serializer.serialize(topic, order("no-merchant", "", 1, start)),
                        "MISSING_MERCHANT_ID"),
                reject(serializer.serialize(topic, order("long", "m".repeat(65), 1, start)),
                        "MERCHANT_ID_TOO_LONG"));
        for (PlannedRecord reject : rejects) {
            // Among the orders, never first, stamped like its neighbour.
            int at = orders / 10 + random.nextInt(orders * 8 / 10);
            planned.add(at, new PlannedRecord(reject.key(), reject.value(),
                    planned.get(at).timestamp(), reject.expectation()));
        }
        return planned;
    }

    private static OrderPlaced order(String id, String merchant, long amount, long eventTime) {
        return new OrderPlaced(id, merchant, amount, Instant.ofEpochMilli(eventTime));
    }

    private static PlannedRecord reject(byte[] value, String reason) {
        return new PlannedRecord(null, value, 0, new Expectation.Rejected(reason));
    }
}
