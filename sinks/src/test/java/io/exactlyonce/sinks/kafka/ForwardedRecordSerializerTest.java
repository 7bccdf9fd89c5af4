package io.exactlyonce.sinks.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class ForwardedRecordSerializerTest {

    private final ForwardedRecordSerializer serializer =
            new ForwardedRecordSerializer("dead-letters");
    private final ForwardedRecord record =
            new ForwardedRecord(
                    "k".getBytes(StandardCharsets.UTF_8),
                    "v".getBytes(StandardCharsets.UTF_8),
                    Map.of("reason", "TRUNCATED"));

    @Test
    void aNegativeInputTimestampIsLeftToTheProducerInsteadOfRefused() {
        // Kafka accepts -1 (no timestamp) and other negatives on an input topic; ProducerRecord
        // refuses them.
        for (long timestamp : new long[] {-1L, -5_000L, Long.MIN_VALUE}) {
            ProducerRecord<byte[], byte[]> produced = serializer.serialize(record, null, timestamp);

            assertThat(produced.timestamp()).as("timestamp %s", timestamp).isNull();
            assertThat(produced.value()).isEqualTo(record.value());
            assertThat(produced.headers().lastHeader("reason").value())
                    .isEqualTo("TRUNCATED".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aValidInputTimestampIsKept() {
        assertThat(serializer.serialize(record, null, 0L).timestamp()).isZero();
        assertThat(serializer.serialize(record, null, 1_700_000_000_000L).timestamp())
                .isEqualTo(1_700_000_000_000L);
        assertThat(serializer.serialize(record, null, null).timestamp()).isNull();
    }
}
