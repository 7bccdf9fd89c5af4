package io.exactlyonce.pipeline.operators;

import java.util.Arrays;
import java.util.Objects;

/**
 * A record that cannot be counted, with the reason and its place in the input. Flink's type
 * extraction takes a record as a POJO, so it travels without Kryo.
 */
public record DeadLetter(
        DeadLetterReason reason,
        String detail,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        long sourceTimestamp,
        byte[] key,
        byte[] value) {

    public DeadLetter(DeadLetterReason reason, String detail, RawRecord raw) {
        this(
                reason,
                detail,
                raw.topic(),
                raw.partition(),
                raw.offset(),
                raw.timestamp(),
                raw.key(),
                raw.value());
    }

    // Arrays compare by content, which a record's generated methods do not.

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter that
                && reason == that.reason
                && sourcePartition == that.sourcePartition
                && sourceOffset == that.sourceOffset
                && sourceTimestamp == that.sourceTimestamp
                && Objects.equals(detail, that.detail)
                && Objects.equals(sourceTopic, that.sourceTopic)
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reason, sourceTopic, sourcePartition, sourceOffset);
    }

    @Override
    public String toString() {
        return "DeadLetter{"
                + reason
                + " at "
                + sourceTopic
                + '-'
                + sourcePartition
                + '@'
                + sourceOffset
                + ": "
                + detail
                + '}';
    }
}
