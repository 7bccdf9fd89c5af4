package io.exactlyonce.examples.revenue;

import io.exactlyonce.sinks.kafka.ForwardedRecord;
import io.exactlyonce.sinks.kafka.ForwardedRecordHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One input record after decoding: an order, or the dead letter it became. A Flink POJO (public
 * fields, no-argument constructor), so it travels without Kryo.
 */
public class Input {

    public String orderId;
    public String merchantId;
    public long amountCents;
    public long eventTime;
    /** Where it was read, and its bytes, to forward it unchanged if it arrives late. */
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    public byte[] key;
    public byte[] value;
    /** Set instead of the order's fields when the record is not a usable order. */
    public ForwardedRecord deadLetter;

    public Input() {}

    static Input order(ConsumerRecord<byte[], byte[]> record, String orderId, String merchantId,
            long amountCents, long eventTime) {
        Input input = new Input();
        input.orderId = orderId;
        input.merchantId = merchantId;
        input.amountCents = amountCents;
        input.eventTime = eventTime;
        input.sourceTopic = record.topic();
        input.sourcePartition = record.partition();
        input.sourceOffset = record.offset();
        input.key = record.key();
        input.value = record.value();
        return input;
    }

    static Input deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, String detail) {
        Map<String, String> headers = source(record.topic(), record.partition(), record.offset());
        headers.put(ForwardedRecordHeaders.REASON, reason);
        headers.put(ForwardedRecordHeaders.DETAIL, detail.substring(
                0, Math.min(detail.length(), ForwardedRecord.MAX_HEADER_VALUE_CHARS)));
        Input input = new Input();
        input.deadLetter = new ForwardedRecord(record.key(), record.value(), headers);
        return input;
    }

    public boolean isOrder() {
        return deadLetter == null;
    }

    /** This order, forwarded unchanged to the late topic: its window had closed. */
    public ForwardedRecord late() {
        Map<String, String> headers = source(sourceTopic, sourcePartition, sourceOffset);
        headers.put(ForwardedRecordHeaders.REASON, ForwardedRecordHeaders.LATE_REASON);
        headers.put(ForwardedRecordHeaders.EVENT_ID, orderId);
        headers.put(ForwardedRecordHeaders.EVENT_TIME, Long.toString(eventTime));
        return new ForwardedRecord(key, value, headers);
    }

    private static Map<String, String> source(String topic, int partition, long offset) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(ForwardedRecordHeaders.SOURCE_TOPIC, topic);
        headers.put(ForwardedRecordHeaders.SOURCE_PARTITION, Integer.toString(partition));
        headers.put(ForwardedRecordHeaders.SOURCE_OFFSET, Long.toString(offset));
        return headers;
    }
}
