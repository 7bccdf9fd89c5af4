package io.exactlyonce.sinks.kafka;

/**
 * Header names of a {@link ForwardedRecord} on a late or dead-letter topic; values are UTF-8 text.
 * One set for every job, so one consumer (a replay tool, the testkit's observer) reads the side
 * topics of any of them.
 */
public final class ForwardedRecordHeaders {

    /** Why the record was set aside: a dead-letter reason, or {@link #LATE_REASON}. */
    public static final String REASON = "reason";

    /** Human-readable detail of the reason. */
    public static final String DETAIL = "reason.detail";

    /** Where the input record was read: topic, partition and offset. */
    public static final String SOURCE_TOPIC = "source.topic";

    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";

    /** A late event's id and event time (epoch millis). */
    public static final String EVENT_ID = "event.id";

    public static final String EVENT_TIME = "event.time";

    /**
     * Set when the input record's value (or key) was left out because the side record would exceed
     * the side producer's max.request.size: the original length in bytes. The source coordinates
     * still say where to read it.
     */
    public static final String VALUE_OMITTED_BYTES = "value.omitted-bytes";

    public static final String KEY_OMITTED_BYTES = "key.omitted-bytes";

    /** The reason of an event whose window had closed when it arrived. */
    public static final String LATE_REASON = "WINDOW_CLOSED";

    private ForwardedRecordHeaders() {}
}
