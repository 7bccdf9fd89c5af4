package io.exactlyonce.audit;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.sinks.jdbc.PreparedXids;
import io.exactlyonce.sinks.jdbc.SinkXid;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.transaction.xa.XAException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
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
    static List<String> openTransactions(JobSettings job, Duration after, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<String> prefixes =
                List.of(
                        job.countsToKafka().transactionalIdPrefix() + "-",
                        job.lateVisits().transactionalIdPrefix() + "-",
                        job.deadLetters().transactionalIdPrefix() + "-");
        Properties properties = job.kafkaClientProperties();
        properties.put("default.api.timeout.ms", Long.toString(timeout.toMillis()));
        properties.put("request.timeout.ms", Long.toString(timeout.toMillis()));
        try (Admin admin = Admin.create(properties)) {
            List<String> ids =
                    admin
                            .listTransactions(
                                    new ListTransactionsOptions()
                                            .filterStates(
                                                    Set.of(
                                                            TransactionState.ONGOING,
                                                            TransactionState.PREPARE_COMMIT,
                                                            TransactionState.PREPARE_ABORT)))
                            .all()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .stream()
                            .map(TransactionListing::transactionalId)
                            .filter(id -> prefixes.stream().anyMatch(id::startsWith))
                            .toList();
            if (ids.isEmpty()) {
                return List.of();
            }
            Map<String, TransactionDescription> described =
                    admin.describeTransactions(ids)
                            .all()
                            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            long now = System.currentTimeMillis();
            List<String> open = new ArrayList<>();
            described.forEach(
                    (id, description) -> {
                        long started = description.transactionStartTimeMs().orElse(now);
                        if (description.state() != TransactionState.COMPLETE_COMMIT
                                && description.state() != TransactionState.COMPLETE_ABORT
                                && description.state() != TransactionState.EMPTY
                                && now - started >= after.toMillis()) {
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
    }
}
