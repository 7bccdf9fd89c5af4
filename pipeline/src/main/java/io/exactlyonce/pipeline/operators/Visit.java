package io.exactlyonce.pipeline.operators;

import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded, valid visit: what the count needs, plus the original bytes and their place in the
 * input so a late visit can be forwarded unchanged. A Flink POJO.
 */
public class Visit {

    private String eventId;
    private String userId;
    private long eventTime;
    private int sourcePartition;
    private long sourceOffset;
    private byte[] payload;

    public Visit() {}

    public Visit(
            String eventId,
            String userId,
            long eventTime,
            int sourcePartition,
            long sourceOffset,
            byte[] payload) {
        this.eventId = eventId;
        this.userId = userId;
        this.eventTime = eventTime;
        this.sourcePartition = sourcePartition;
        this.sourceOffset = sourceOffset;
        this.payload = payload;
    }

    public String getEventId() {
        return eventId;
    }

    public void setEventId(String eventId) {
        this.eventId = eventId;
    }

    public String getUserId() {
        return userId;
    }

    public void setUserId(String userId) {
        this.userId = userId;
    }

    /** Event time in epoch milliseconds. */
    public long getEventTime() {
        return eventTime;
    }

    public void setEventTime(long eventTime) {
        this.eventTime = eventTime;
    }

    public int getSourcePartition() {
        return sourcePartition;
    }

    public void setSourcePartition(int sourcePartition) {
        this.sourcePartition = sourcePartition;
    }

    public long getSourceOffset() {
        return sourceOffset;
    }

    public void setSourceOffset(long sourceOffset) {
        this.sourceOffset = sourceOffset;
    }

    /** The record's value exactly as it was read (Confluent wire format). */
    public byte[] getPayload() {
        return payload;
    }

    public void setPayload(byte[] payload) {
        this.payload = payload;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Visit)) {
            return false;
        }
        Visit that = (Visit) o;
        return eventTime == that.eventTime
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
