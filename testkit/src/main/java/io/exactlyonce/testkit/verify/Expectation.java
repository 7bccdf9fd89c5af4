package io.exactlyonce.testkit.verify;

/**
 * What the generator intended one input record to be, known before the job sees it: the oracle is
 * built from these alone.
 */
public sealed interface Expectation {

    /**
     * A valid event: its value is added to its (key, window), or it is late if that window had
     * closed. A visit adds 1 to its user's count; an order adds its amount to its merchant's
     * revenue.
     *
     * @param generated whether the generator dated it to a window that had closed long before it
     *     was produced ({@link Timing#LATE}), or in order with the traffic around it
     */
    record Valid(String eventId, String key, long eventTime, long value, Timing generated)
            implements Expectation {

        /** An event that counts one, such as a visit. */
        public Valid(String eventId, String key, long eventTime, Timing generated) {
            this(eventId, key, eventTime, 1, generated);
        }
    }

    /** How the generator dated a valid event against the traffic produced around it. */
    enum Timing {
        /** Within the traffic's out-of-orderness: on time unless the stream was read unevenly. */
        ON_TIME,
        /** For a window that closed long before: it may come out late. */
        LATE
    }

    /** A record the job must reject with this reason (the dead letter's {@code reason} header). */
    record Rejected(String reason) implements Expectation {}
}
