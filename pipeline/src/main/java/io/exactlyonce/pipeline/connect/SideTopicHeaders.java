package io.exactlyonce.pipeline.connect;

/** Header names on the late and dead-letter topics; their values are UTF-8 text. */
public final class SideTopicHeaders {

    /** A {@code DeadLetterReason} name. */
    public static final String REASON = "reason";
    /** Human-readable detail of the reason. */
    public static final String DETAIL = "reason.detail";
    public static final String SOURCE_TOPIC = "source.topic";
    public static final String SOURCE_PARTITION = "source.partition";
    public static final String SOURCE_OFFSET = "source.offset";
    /** The late visit's event id and event time (epoch millis). */
    public static final String EVENT_ID = "event.id";
    public static final String EVENT_TIME = "event.time";

    /**
     * Set when the input record's value (or key) was left out because the side record would exceed
     * the side producer's max.request.size: the original length in bytes. The source coordinates
     * still say where to read it.
     */
    public static final String VALUE_OMITTED_BYTES = "value.omitted-bytes";
    public static final String KEY_OMITTED_BYTES = "key.omitted-bytes";

    public static final String LATE_REASON = "WINDOW_CLOSED";

    private SideTopicHeaders() {}
}
