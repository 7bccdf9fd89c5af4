package io.exactlyonce.testkit.verify;

/**
 * What the generator intended one input record to be, known before the job sees it: the oracle
 * is built from these alone.
 */
public sealed interface Expectation {

    /**
     * A valid visit: counted in its (user, window), or late if that window had closed.
     *
     * @param generated whether the generator dated it to a window that had closed long before it
     *     was produced ({@link Timing#LATE}), or in order with the traffic around it
     */
    record Valid(String eventId, String userId, long eventTime, Timing generated)
            implements Expectation {}

    /** How the generator dated a valid visit against the traffic produced around it. */
    enum Timing {
        /** Within the traffic's out-of-orderness: on time unless the stream was read unevenly. */
        ON_TIME,
        /** For a window that closed long before: it may come out late. */
        LATE
    }

    /** A record the job must reject with this reason (a {@code DeadLetterReason} name). */
    record Rejected(String reason) implements Expectation {}
}
