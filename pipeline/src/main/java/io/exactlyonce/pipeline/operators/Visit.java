package io.exactlyonce.pipeline.operators;

import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded, valid visit: what the count needs, plus the original bytes and their place in the
 * input so a late visit can be forwarded unchanged. Flink's type extraction takes a record as a
 * POJO, so it travels without Kryo.
 *
 * @param eventTime event time in epoch milliseconds
 * @param payload the record's value exactly as it was read (Confluent wire format)
 */
public record Visit(
        String eventId,
        String userId,
        long eventTime,
        int sourcePartition,
        long sourceOffset,
        byte[] payload) {

    // Arrays compare by content, which a record's generated methods do not.

    @Override
    public boolean equals(Object o) {
        return o instanceof Visit that
                && eventTime == that.eventTime
                && sourcePartition == that.sourcePartition
                && sourceOffset == that.sourceOffset
                && Objects.equals(eventId, that.eventId)
                && Objects.equals(userId, that.userId)
                && Arrays.equals(payload, that.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, userId, eventTime, sourcePartition, sourceOffset);
    }

    @Override
    public String toString() {
        return "Visit{" + eventId + ", user=" + userId + ", t=" + eventTime + '}';
    }
}
