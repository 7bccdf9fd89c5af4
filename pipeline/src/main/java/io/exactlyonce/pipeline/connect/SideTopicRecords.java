package io.exactlyonce.pipeline.connect;

import static io.exactlyonce.pipeline.connect.SideTopicHeaders.DETAIL;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.EVENT_ID;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.EVENT_TIME;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.KEY_OMITTED_BYTES;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.LATE_REASON;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.REASON;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.SOURCE_OFFSET;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.SOURCE_PARTITION;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.SOURCE_TOPIC;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.VALUE_OMITTED_BYTES;

import io.exactlyonce.pipeline.operators.DeadLetter;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Late visits and dead letters as records for their side topics, original bytes unchanged as long
 * as they fit the side producer's max.request.size. The input topic's max.message.bytes limits a
 * compressed batch, so a highly compressible value (10 MB of zeros) passes it and would then be
 * refused by the side producer on every replay; such a record is forwarded without its value (and,
 * if still too large, without its key), with a header giving the original length.
 */
public final class SideTopicRecords {

    /** Kafka's record batch and record framing (61 + 21 bytes), rounded up. */
    private static final int FRAMING_BYTES = 128;

    /** A header's two length varints, rounded up. */
    private static final int HEADER_FRAMING_BYTES = 10;

    private SideTopicRecords() {}

    /**
     * @param maxRecordBytes the side producer's max.request.size
     */
    public static ForwardedRecord lateVisit(Visit visit, String sourceTopic, int maxRecordBytes) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REASON, LATE_REASON);
        headers.put(EVENT_ID, bounded(visit.eventId()));
        headers.put(EVENT_TIME, Long.toString(visit.eventTime()));
        headers.put(SOURCE_TOPIC, sourceTopic);
        headers.put(SOURCE_PARTITION, Integer.toString(visit.sourcePartition()));
        headers.put(SOURCE_OFFSET, Long.toString(visit.sourceOffset()));
        return fitting(
                visit.userId().getBytes(StandardCharsets.UTF_8),
                visit.payload(),
                headers,
                maxRecordBytes);
    }

    /**
     * @param maxRecordBytes the side producer's max.request.size
     */
    public static ForwardedRecord deadLetter(DeadLetter deadLetter, int maxRecordBytes) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REASON, deadLetter.reason().name());
        headers.put(DETAIL, bounded(String.valueOf(deadLetter.detail())));
        headers.put(SOURCE_TOPIC, deadLetter.sourceTopic());
        headers.put(SOURCE_PARTITION, Integer.toString(deadLetter.sourcePartition()));
        headers.put(SOURCE_OFFSET, Long.toString(deadLetter.sourceOffset()));
        return fitting(deadLetter.key(), deadLetter.value(), headers, maxRecordBytes);
    }

    private static ForwardedRecord fitting(
            byte[] key, byte[] value, Map<String, String> headers, int maxRecordBytes) {
        if (sizeUpperBound(key, value, headers) > maxRecordBytes) {
            headers.put(VALUE_OMITTED_BYTES, Integer.toString(value.length));
            value = null;
            if (sizeUpperBound(key, null, headers) > maxRecordBytes) {
                headers.put(KEY_OMITTED_BYTES, Integer.toString(key.length));
                key = null;
            }
        }
        return new ForwardedRecord(key, value, headers);
    }

    /** At least what the producer counts against max.request.size for this record. */
    private static long sizeUpperBound(byte[] key, byte[] value, Map<String, String> headers) {
        long size = FRAMING_BYTES + length(key) + length(value);
        for (Map.Entry<String, String> header : headers.entrySet()) {
            size +=
                    HEADER_FRAMING_BYTES
                            + header.getKey().getBytes(StandardCharsets.UTF_8).length
                            + header.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return size;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** Cut so that the side record stays within the input record's size plus the allowance. */
    static String bounded(String value) {
        if (value.length() <= ForwardedRecord.MAX_HEADER_VALUE_CHARS) {
            return value;
        }
        int end = ForwardedRecord.MAX_HEADER_VALUE_CHARS;
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(0, end);
    }
}
