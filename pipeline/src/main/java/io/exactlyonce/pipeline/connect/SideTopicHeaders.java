package io.exactlyonce.pipeline.connect;

import io.exactlyonce.sinks.kafka.ForwardedRecordHeaders;

/**
 * Header names on the late and dead-letter topics; their values are UTF-8 text. The names are the
 * sinks module's {@link ForwardedRecordHeaders}, shared by every job.
 */
public final class SideTopicHeaders {

    /** A {@code DeadLetterReason} name. */
    public static final String REASON = ForwardedRecordHeaders.REASON;

    /** Human-readable detail of the reason. */
    public static final String DETAIL = ForwardedRecordHeaders.DETAIL;

    public static final String SOURCE_TOPIC = ForwardedRecordHeaders.SOURCE_TOPIC;
    public static final String SOURCE_PARTITION = ForwardedRecordHeaders.SOURCE_PARTITION;
    public static final String SOURCE_OFFSET = ForwardedRecordHeaders.SOURCE_OFFSET;

    /** The late visit's event id and event time (epoch millis). */
    public static final String EVENT_ID = ForwardedRecordHeaders.EVENT_ID;

    public static final String EVENT_TIME = ForwardedRecordHeaders.EVENT_TIME;

    /** See {@link ForwardedRecordHeaders#VALUE_OMITTED_BYTES}. */
    public static final String VALUE_OMITTED_BYTES = ForwardedRecordHeaders.VALUE_OMITTED_BYTES;

    public static final String KEY_OMITTED_BYTES = ForwardedRecordHeaders.KEY_OMITTED_BYTES;

    public static final String LATE_REASON = ForwardedRecordHeaders.LATE_REASON;

    private SideTopicHeaders() {}
}
