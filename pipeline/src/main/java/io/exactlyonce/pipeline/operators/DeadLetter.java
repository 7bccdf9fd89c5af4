package io.exactlyonce.pipeline.operators;

import java.util.Arrays;
import java.util.Objects;

/** A record that cannot be counted, with the reason and its place in the input. A Flink POJO. */
public class DeadLetter {

    private DeadLetterReason reason;
    private String detail;
    private String sourceTopic;
    private int sourcePartition;
    private long sourceOffset;
    private long sourceTimestamp;
    private byte[] key;
    private byte[] value;

    public DeadLetter() {}

    public DeadLetter(DeadLetterReason reason, String detail, RawRecord raw) {
        this.reason = reason;
        this.detail = detail;
        this.sourceTopic = raw.topic();
        this.sourcePartition = raw.partition();
        this.sourceOffset = raw.offset();
        this.sourceTimestamp = raw.timestamp();
        this.key = raw.key();
        this.value = raw.value();
    }

    public DeadLetterReason getReason() {
        return reason;
    }

    public void setReason(DeadLetterReason reason) {
        this.reason = reason;
    }

    public String getDetail() {
        return detail;
    }

    public void setDetail(String detail) {
        this.detail = detail;
    }

    public String getSourceTopic() {
        return sourceTopic;
    }

    public void setSourceTopic(String sourceTopic) {
        this.sourceTopic = sourceTopic;
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

    public long getSourceTimestamp() {
        return sourceTimestamp;
    }

    public void setSourceTimestamp(long sourceTimestamp) {
        this.sourceTimestamp = sourceTimestamp;
    }

    public byte[] getKey() {
        return key;
    }

    public void setKey(byte[] key) {
        this.key = key;
    }

    public byte[] getValue() {
        return value;
    }

    public void setValue(byte[] value) {
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DeadLetter)) {
            return false;
        }
        DeadLetter that = (DeadLetter) o;
        return reason == that.reason
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
        return "DeadLetter{" + reason + " at " + sourceTopic + '-' + sourcePartition + '@'
                + sourceOffset + ": " + detail + '}';
    }
}
