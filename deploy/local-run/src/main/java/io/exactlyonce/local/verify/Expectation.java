package io.exactlyonce.local.verify;

/**
 * What the generator intended one input record to be, known before the job sees it: the oracle
 * is built from these alone.
 */
public sealed interface Expectation {

    /** A valid visit: counted in its (user, window), or late if that window had closed. */
    record Valid(String eventId, String userId, long eventTime) implements Expectation {}

    /** A record the job must reject with this reason (a {@code DeadLetterReason} name). */
    record Rejected(String reason) implements Expectation {}
}
