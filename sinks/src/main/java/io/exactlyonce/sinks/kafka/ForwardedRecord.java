package io.exactlyonce.sinks.kafka;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A record forwarded verbatim to a side topic (late events, dead letters): the original key and
 * value bytes, untouched so a consumer can decode or replay them, plus headers that say why.
 * A Flink POJO, so it travels without Kryo.
 */
public class ForwardedRecord {

    /** Header values copied from the input are cut to this many characters. */
    public static final int MAX_HEADER_VALUE_CHARS = 1_000;

    /**
     * What a forwarded record may carry beyond the input record's key and value: a late
     * visit's key (its user id, of a length the job bounds),
     * the headers, each value at most {@link #MAX_HEADER_VALUE_CHARS} characters of up to 4
     * UTF-8 bytes, and the record's framing, with room to spare. The side topics and their
     * producers are sized this far above the input topic.
     */
    public static final int MAX_BYTES_BEYOND_INPUT = 32 * 1024;

    private byte[] key;
    private byte[] value;
    private Map<String, String> headers = new LinkedHashMap<>();

    public ForwardedRecord() {}

    public ForwardedRecord(byte[] key, byte[] value, Map<String, String> headers) {
        this.key = key;
        this.value = value;
        this.headers = new LinkedHashMap<>(headers);
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

    public Map<String, String> getHeaders() {
        return headers;
    }

    public void setHeaders(Map<String, String> headers) {
        this.headers = headers;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ForwardedRecord)) {
            return false;
        }
        ForwardedRecord that = (ForwardedRecord) o;
        return Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value)
                && Objects.equals(headers, that.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(key), Arrays.hashCode(value), headers);
    }

    @Override
    public String toString() {
        return "ForwardedRecord{headers=" + headers + ", valueBytes="
                + (value == null ? 0 : value.length) + '}';
    }
}
