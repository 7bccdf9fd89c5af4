package io.exactlyonce.testkit.verify;

import java.util.List;

/** What the sinks committed, as read back after the run; judged by {@link Verdict}. */
public record Observations(
        List<CommittedValue> kafkaRecords,
        List<CommittedValue> tableRows,
        List<SideRecord> lateRecords,
        List<SideRecord> deadLetters,
        List<String> preparedXaTransactions,
        List<String> unfinishedKafkaTransactions) {

    /**
     * One committed result: the value of a (key, window), e.g. a visit count or a revenue. {@code
     * writes} is how often it was written: one per Kafka record (a duplicate shows as a second
     * record), the row's {@code write_count} for a table row.
     */
    public record CommittedValue(String key, long windowStart, long value, int writes) {}

    /**
     * A record on a side topic: the late event's id, or the dead letter's reason, and the input
     * position it names.
     */
    public record SideRecord(
            String eventId, String reason, int sourcePartition, long sourceOffset) {}
}
