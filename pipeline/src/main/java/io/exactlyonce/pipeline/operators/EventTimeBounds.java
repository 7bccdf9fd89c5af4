package io.exactlyonce.pipeline.operators;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * The event times the job believes. Bounds are relative to the input record's own timestamp, not to
 * the wall clock, so a replay after a failure judges every record exactly as the first run did: the
 * same record is never counted once and dead-lettered the next time.
 *
 * @param earliest event times before this are rejected (clock not set, zero, garbage)
 * @param maxAheadOfRecord how far an event may claim to lie after its record's timestamp; a record
 *     without a usable (non-negative) timestamp is rejected, as nothing bounds it then
 */
public record EventTimeBounds(Instant earliest, Duration maxAheadOfRecord) implements Serializable {

    public static final EventTimeBounds DEFAULT =
            new EventTimeBounds(Instant.parse("2000-01-01T00:00:00Z"), Duration.ofMinutes(30));

    /** Empty when acceptable, otherwise why not. */
    public String violation(long eventTime, long recordTimestamp) {
        if (eventTime < earliest.toEpochMilli()) {
            return "event time " + Instant.ofEpochMilli(eventTime) + " is before " + earliest;
        }
        if (recordTimestamp < 0) {
            // Kafka accepts -1 (no timestamp) and other negatives; with nothing to measure "ahead"
            // against, a far-future event time would pass and its count be refused by the broker.
            return "the record has no usable timestamp ("
                    + recordTimestamp
                    + "), so event time "
                    + Instant.ofEpochMilli(eventTime)
                    + " cannot be bounded";
        }
        if (eventTime - recordTimestamp > maxAheadOfRecord.toMillis()) {
            return "event time "
                    + Instant.ofEpochMilli(eventTime)
                    + " is more than "
                    + maxAheadOfRecord
                    + " after the record's timestamp "
                    + Instant.ofEpochMilli(recordTimestamp);
        }
        return "";
    }
}
