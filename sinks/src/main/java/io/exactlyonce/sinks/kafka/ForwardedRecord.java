package io.exactlyonce.sinks.kafka;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record forwarded verbatim to a side topic (late events, dead letters): the original key and
 * value bytes, untouched so a consumer can decode or replay them, plus headers that say why.
 * Flink's type extraction takes a record as a POJO, so it travels without Kryo.
 */
public record ForwardedRecord(byte[] key, byte[] value, Map<String, String> headers) {

    /** Header values copied from the input are cut to this many characters. */
    public static final int MAX_HEADER_VALUE_CHARS = 1_000;

    /**
     * What a forwarded record may carry beyond the input record's key and value: a late visit's key
     * (its user id, of a length the job bounds), the headers, each value at most {@link
     * #MAX_HEADER_VALUE_CHARS} characters of up to 4 UTF-8 bytes, and the record's framing, with
     * room to spare. The side topics and their producers are sized this far above the input topic.
     */
    public static final int MAX_BYTES_BEYOND_INPUT = 32 * 1024;

    /** The headers in the order given. */
    public ForwardedRecord {
        headers = new LinkedHashMap<>(headers);
    }

    // Arrays compare by content, which a record's generated methods do not.

    @Override
    public boolean equals(Object o) {
        return o instanceof ForwardedRecord that
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value)
                && Objects.equals(headers, that.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), headers);
    }

    @Override
    public String toString() {
        return "ForwardedRecord{headers="
                + headers
                + ", valueBytes="
                + (value == null ? 0 : value.length)
                + '}';
    }
}
