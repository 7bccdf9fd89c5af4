package io.exactlyonce.pipeline.connect;

import static io.exactlyonce.pipeline.connect.SideTopicHeaders.DETAIL;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.EVENT_ID;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.EVENT_TIME;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.LATE_REASON;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.REASON;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.SOURCE_OFFSET;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.SOURCE_PARTITION;
import static io.exactlyonce.pipeline.connect.SideTopicHeaders.SOURCE_TOPIC;

import io.exactlyonce.pipeline.operators.DeadLetter;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Late visits and dead letters as records for their side topics, original bytes unchanged. */
public final class SideTopicRecords {

    private SideTopicRecords() {}

    public static ForwardedRecord lateVisit(Visit visit, String sourceTopic) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REASON, LATE_REASON);
        headers.put(EVENT_ID, bounded(visit.getEventId()));
        headers.put(EVENT_TIME, Long.toString(visit.getEventTime()));
        headers.put(SOURCE_TOPIC, sourceTopic);
        headers.put(SOURCE_PARTITION, Integer.toString(visit.getSourcePartition()));
        headers.put(SOURCE_OFFSET, Long.toString(visit.getSourceOffset()));
        return new ForwardedRecord(
                visit.getUserId().getBytes(StandardCharsets.UTF_8), visit.getPayload(), headers);
    }

    public static ForwardedRecord deadLetter(DeadLetter deadLetter) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(REASON, deadLetter.getReason().name());
        headers.put(DETAIL, bounded(String.valueOf(deadLetter.getDetail())));
        headers.put(SOURCE_TOPIC, deadLetter.getSourceTopic());
        headers.put(SOURCE_PARTITION, Integer.toString(deadLetter.getSourcePartition()));
        headers.put(SOURCE_OFFSET, Long.toString(deadLetter.getSourceOffset()));
        return new ForwardedRecord(deadLetter.getKey(), deadLetter.getValue(), headers);
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
