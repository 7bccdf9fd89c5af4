package io.exactlyonce.audit;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.connect.StartGuard;
import io.exactlyonce.sinks.jdbc.PreparedXids;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.testkit.verify.CommittedRecords;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * Transactions of this deployment that a live job would have finished by now. A running job always
 * holds a Kafka transaction open and briefly an XA transaction prepared, so only those older than
 * the job's own bound count as left behind.
 */
final class LeftBehind {

    private static final Duration RECHECK = Duration.ofMillis(500);

    private LeftBehind() {}

    /** XA transactions of the job's XID prefix. */
    static Set<String> preparedXids(JobSettings job) throws SQLException, XAException {
        Set<String> xids = new HashSet<>();
        for (SinkXid xid : PreparedXids.ofPrefix(job.countsToDatabase())) {
            xids.add(xid.toString());
        }
        return xids;
    }

    /**
     * Of {@code seenAtStart}, those still prepared once {@code after} has passed since the audit
     * started; rechecked until then, so one a live job commits meanwhile is not reported.
     */
    static List<String> stillPrepared(
            JobSettings job, Set<String> seenAtStart, long startedNanos, Duration after)
            throws SQLException, XAException, InterruptedException {
        Set<String> still = new HashSet<>(seenAtStart);
        while (!still.isEmpty()) {
            still.retainAll(preparedXids(job));
            if (System.nanoTime() - startedNanos >= after.toNanos()) {
                break;
            }
            // A production wait for the job's commit, not a test's synchronisation.
            TimeUnit.NANOSECONDS.sleep(Math.min(RECHECK.toNanos(), after.toNanos()));
        }
        return still.stream().sorted().toList();
    }

    /** Kafka transactions of the job's three prefixes open at least {@code after}. */
    static List<String> openTransactions(JobSettings job, Duration after) throws Exception {
        List<String> prefixes =
                List.of(
                        job.countsToKafka().transactionalIdPrefix(),
                        job.lateVisits().transactionalIdPrefix(),
                        job.deadLetters().transactionalIdPrefix());
        Map<String, String> security = job.kafkaSecurity().settings();
        List<String> ids =
                CommittedRecords.unfinishedTransactions(job.bootstrapServers(), security).stream()
                        .filter(
                                id ->
                                        prefixes.stream()
                                                .anyMatch(
                                                        prefix ->
                                                                StartGuard.isTransactionOf(
                                                                        prefix, id)))
                        .toList();
        if (ids.isEmpty()) {
            return List.of();
        }
        long now = System.currentTimeMillis();
        List<String> open = new ArrayList<>();
        CommittedRecords.describeTransactions(job.bootstrapServers(), security, ids)
                .forEach(
                        (id, description) -> {
                            long started = description.transactionStartTimeMs().orElse(now);
                            if (isOpen(description.state()) && now - started >= after.toMillis()) {
                                open.add(
                                        id
                                                + " ("
                                                + description.state()
                                                + ", open "
                                                + Duration.ofMillis(now - started).toSeconds()
                                                + " s)");
                            }
                        });
        return open.stream().sorted().toList();
    }

    /** Still open when described: the listing and the description are two requests. */
    private static boolean isOpen(TransactionState state) {
        return state == TransactionState.ONGOING
                || state == TransactionState.PREPARE_COMMIT
                || state == TransactionState.PREPARE_ABORT;
    }
}
