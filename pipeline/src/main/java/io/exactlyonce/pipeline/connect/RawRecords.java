package io.exactlyonce.pipeline.connect;

import io.exactlyonce.pipeline.operators.RawRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Kafka's records as the decoder takes them, for the source and any other reader of the input. */
public final class RawRecords {

    private RawRecords() {}

    public static RawRecord of(ConsumerRecord<byte[], byte[]> record) {
        return new RawRecord(
                record.topic(),
                record.partition(),
                record.offset(),
                record.timestamp(),
                record.key(),
                record.value());
    }
}
