package io.exactlyonce.pipeline.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.connect.SideTopicMappers.DeadLetterToRecord;
import io.exactlyonce.pipeline.operators.DeadLetter;
import io.exactlyonce.pipeline.operators.DeadLetterReason;
import io.exactlyonce.pipeline.operators.RawRecord;
import io.exactlyonce.pipeline.operators.Visit;
import io.exactlyonce.sinks.kafka.ForwardedRecord;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

class SideTopicRecordsTest {

    /** The side producers' max.request.size for an input topic of 1 MiB: input + 32 KiB. */
    private static final int MAX_REQUEST_SIZE = 1_048_576 + ForwardedRecord.MAX_BYTES_BEYOND_INPUT;

    private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

    @Test
    void aDeadLetterWhoseValueOutgrewTheInputLimitByDecompressionIsForwardedWithoutIt()
            throws Exception {
        // 10 MB of zeros compresses (zstd) to a few KB, so the input topic took it.
        byte[] tenMegabytes = new byte[10_000_000];

        ForwardedRecord forwarded =
                new DeadLetterToRecord(MAX_REQUEST_SIZE).map(deadLetter(KEY, tenMegabytes));

        assertThat(producerSizeEstimate(forwarded)).isLessThanOrEqualTo(MAX_REQUEST_SIZE);
        assertThat(forwarded.value()).isNull();
        assertThat(forwarded.key()).isEqualTo(KEY);
        assertThat(forwarded.headers())
                .containsEntry(SideTopicHeaders.VALUE_OMITTED_BYTES, "10000000")
                .containsEntry(SideTopicHeaders.REASON, "MALFORMED_AVRO")
                .containsEntry(SideTopicHeaders.SOURCE_PARTITION, "3")
                .containsEntry(SideTopicHeaders.SOURCE_OFFSET, "42")
                .doesNotContainKey(SideTopicHeaders.KEY_OMITTED_BYTES);
    }

    @Test
    void aKeyTooLargeOnItsOwnIsLeftOutToo() throws Exception {
        byte[] tenMegabytes = new byte[10_000_000];

        ForwardedRecord forwarded =
                new DeadLetterToRecord(MAX_REQUEST_SIZE).map(deadLetter(tenMegabytes, KEY));

        assertThat(producerSizeEstimate(forwarded)).isLessThanOrEqualTo(MAX_REQUEST_SIZE);
        assertThat(forwarded.key()).isNull();
        assertThat(forwarded.value()).isNull();
        assertThat(forwarded.headers())
                .containsEntry(SideTopicHeaders.KEY_OMITTED_BYTES, "10000000")
                .containsEntry(SideTopicHeaders.VALUE_OMITTED_BYTES, "1");
    }

    @Test
    void aLateVisitTooLargeForTheProducerKeepsTheHeadersTheVerdictReads() {
        Visit visit = new Visit("e-1", "alice", 1_700_000_000_000L, 3, 42L, new byte[5_000_000]);

        ForwardedRecord forwarded = SideTopicRecords.lateVisit(visit, "visits", MAX_REQUEST_SIZE);

        assertThat(producerSizeEstimate(forwarded)).isLessThanOrEqualTo(MAX_REQUEST_SIZE);
        assertThat(forwarded.value()).isNull();
        assertThat(forwarded.headers())
                .containsEntry(SideTopicHeaders.VALUE_OMITTED_BYTES, "5000000")
                .containsEntry(SideTopicHeaders.EVENT_ID, "e-1")
                .containsEntry(SideTopicHeaders.REASON, SideTopicHeaders.LATE_REASON)
                .containsEntry(SideTopicHeaders.SOURCE_OFFSET, "42");
    }

    @Test
    void aRecordAsLargeAsTheInputLimitAllowsIsForwardedUnchanged() throws Exception {
        byte[] largestInput = new byte[1_048_576 - 200];
        Arrays.fill(largestInput, (byte) 7);

        ForwardedRecord forwarded =
                new DeadLetterToRecord(MAX_REQUEST_SIZE).map(deadLetter(KEY, largestInput));

        assertThat(forwarded.value()).isEqualTo(largestInput);
        assertThat(forwarded.key()).isEqualTo(KEY);
        assertThat(forwarded.headers())
                .doesNotContainKeys(
                        SideTopicHeaders.VALUE_OMITTED_BYTES, SideTopicHeaders.KEY_OMITTED_BYTES);
    }

    @Test
    void aDeadLetterWithoutValueStaysWithoutValue() throws Exception {
        ForwardedRecord forwarded =
                new DeadLetterToRecord(MAX_REQUEST_SIZE).map(deadLetter(KEY, null));

        assertThat(forwarded.value()).isNull();
        assertThat(forwarded.headers()).doesNotContainKey(SideTopicHeaders.VALUE_OMITTED_BYTES);
    }

    private static DeadLetter deadLetter(byte[] key, byte[] value) {
        return new DeadLetter(
                DeadLetterReason.MALFORMED_AVRO,
                "bad bytes",
                new RawRecord("visits", 3, 42L, 1_700_000_000_000L, key, value));
    }

    /** What Kafka's producer compares with max.request.size before it sends the record. */
    private static int producerSizeEstimate(ForwardedRecord record) {
        Header[] headers =
                record.headers().entrySet().stream()
                        .map(
                                h ->
                                        new RecordHeader(
                                                h.getKey(),
                                                h.getValue().getBytes(StandardCharsets.UTF_8)))
                        .toArray(Header[]::new);
        return AbstractRecords.estimateSizeInBytesUpperBound(
                RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE,
                record.key(),
                record.value(),
                headers);
    }
}
