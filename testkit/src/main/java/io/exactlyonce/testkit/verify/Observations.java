package io.exactlyonce.testkit.verify;

import java.util.List;

/** What the sinks committed, as read back after the run; judged by {@link Verdict}. */
public record Observations(
        List<CommittedCount> kafkaCounts,
        List<CommittedCount> tableRows,
        List<SideRecord> lateVisits,
        List<SideRecord> deadLetters,
        List<String> preparedXaTransactions,
        List<String> unfinishedKafkaTransactions) {

    /**
     * One committed count. {@code writes} is how often it was written: one per Kafka record
     * (a duplicate shows as a second record), {@code write_count} for a table row.
     */
    public record CommittedCount(String userId, long windowStart, long count, int writes) {}

    /**
     * A record on a side topic: the late visit's event id, or the dead letter's reason, and the
     * input position it names.
     */
    public record SideRecord(String eventId, String reason, int sourcePartition, long sourceOffset) {}
}
