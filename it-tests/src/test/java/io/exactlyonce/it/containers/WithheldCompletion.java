package io.exactlyonce.it.containers;

import static org.awaitility.Awaitility.await;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.testkit.verify.CommittedRecords;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Brings the job to the moment at which staying down loses output: a checkpoint has completed on
 * the JobManager, and the TaskManagers, frozen, have not committed its Kafka transactions. Racing
 * the completion notice from outside (freezing the TaskManagers as soon as XA PREPARE shows) lost
 * 80 attempts in a row on a busy machine, so the steps are put in order instead:
 *
 * <ol>
 *   <li>The database is frozen: the XA sink's next statement, and the barrier behind it, waits.
 *   <li>A checkpoint triggered after that shows as in progress; it cannot complete yet.
 *   <li>The JobManager is frozen, then the database thawed: the barrier goes through, every sink
 *       pre-commits, and the acknowledgements wait in the frozen JobManager's sockets.
 *   <li>Once every counts writer has begun the next checkpoint's transaction on the broker (the XA
 *       writer shares their task, so it has passed the barrier too), the TaskManagers are frozen
 *       and the JobManager thawed. It completes the checkpoint and sends the notice to TaskManagers
 *       that cannot act on it.
 * </ol>
 *
 * <p>Whether it worked is observed, not assumed: the checkpoint must complete while the
 * TaskManagers are frozen and its counts transactions must still be open on the broker. If not (an
 * acknowledgement was still on its way when the TaskManagers froze), everything is thawed and the
 * next checkpoint is tried.
 */
final class WithheldCompletion {

    /**
     * What was caught: the checkpoint, the counts transactions of it still open on the broker, the
     * newest checkpoint the JobManager reported completed while the TaskManagers were frozen, and
     * the attempt that caught it.
     */
    record Caught(long checkpointId, List<String> open, long completedWhileFrozen, int attempts) {}

    /** Pre-committing and acknowledging after the database thaws takes well under this. */
    private static final Duration PRE_COMMIT = Duration.ofSeconds(5);

    /** The JobManager completes a checkpoint whose acknowledgements it holds within this. */
    private static final Duration COMPLETION = Duration.ofSeconds(5);

    private WithheldCompletion() {}

    /**
     * Returns with every TaskManager frozen after a checkpoint completed that they did not commit;
     * the caller kills or thaws them. {@code countsPrefix} is the counts sink's transactional-id
     * prefix; {@code xidPrefix}, the XA sink's, only names what was prepared when an attempt fails.
     */
    static Caught catchCompletedUncommitted(
            ContainerServices services,
            FlinkCluster flink,
            String jobId,
            JobSettings job,
            int parallelism,
            int attempts,
            Consumer<String> say)
            throws Exception {
        FlinkRest rest = flink.rest();
        String countsPrefix = job.countsToKafka().transactionalIdPrefix();
        String xidPrefix = job.countsToDatabase().xidPrefix();
        List<String> writerPrefixes =
                List.of(
                        countsPrefix,
                        job.lateVisits().transactionalIdPrefix(),
                        job.deadLetters().transactionalIdPrefix());
        for (int attempt = 1; attempt <= attempts; attempt++) {
            long checkpoint = blockNextCheckpointBehindTheDatabase(services, flink, rest, jobId);
            say.accept(
                    "attempt "
                            + attempt
                            + ": checkpoint "
                            + checkpoint
                            + " held behind the frozen database; JobManager frozen, database thawed");
            boolean frozen = false;
            try {
                await("every Kafka writer past checkpoint " + checkpoint)
                        .atMost(PRE_COMMIT)
                        .ignoreExceptions()
                        .until(
                                () ->
                                        nextTransactionsBegun(
                                                services, writerPrefixes, parallelism, checkpoint));
                frozen = flink.pauseTaskManagers();
            } catch (ConditionTimeoutException notPreCommitted) {
                say.accept(
                        "attempt "
                                + attempt
                                + ": not every Kafka writer passed it; XA prepared "
                                + services.preparedXids(xidPrefix)
                                + ", counts transactions known "
                                + CommittedRecords.knownTransactions(services.bootstrapServers())
                                        .stream()
                                        .filter(id -> id.startsWith(countsPrefix))
                                        .toList());
            } finally {
                flink.unpauseJobManager();
            }
            if (!frozen) {
                continue;
            }
            long completed = completedWithin(rest, jobId, checkpoint);
            List<String> open =
                    CommittedRecords.unfinishedTransactions(services.bootstrapServers()).stream()
                            .filter(id -> isCountsTransaction(id, countsPrefix, checkpoint))
                            .toList();
            say.accept("attempt " + attempt + ": completed " + completed + ", open " + open);
            if (completed >= checkpoint && !open.isEmpty()) {
                return new Caught(checkpoint, open, completed, attempt);
            }
            flink.unpauseTaskManagers();
        }
        throw new IllegalStateException(
                "no checkpoint completed uncommitted in " + attempts + " attempts");
    }

    /**
     * Steps 1 to 3: returns the id of a checkpoint triggered while the database was frozen, with
     * the JobManager frozen and the database thawed.
     */
    private static long blockNextCheckpointBehindTheDatabase(
            ContainerServices services, FlinkCluster flink, FlinkRest rest, String jobId) {
        services.pauseMariaDb();
        // After the freeze took: a checkpoint triggered from now on finds the database frozen.
        long frozenAt = System.currentTimeMillis();
        try {
            long checkpoint =
                    await("a checkpoint triggered while the database is frozen")
                            .atMost(FaultScenario.WAIT)
                            .ignoreExceptions()
                            .until(
                                    () -> rest.inProgressTriggeredAfter(jobId, frozenAt),
                                    Optional::isPresent)
                            .orElseThrow()
                            .id();
            flink.pauseJobManager();
            return checkpoint;
        } finally {
            services.unpauseMariaDb();
        }
    }

    /**
     * Whether every Kafka writer of the job (counts, late visits, dead letters: one in each of the
     * job's tasks) has passed the checkpoint: in its snapshot, the Kafka sink registers the next
     * checkpoint's transactional id with the broker.
     */
    private static boolean nextTransactionsBegun(
            ContainerServices services, List<String> prefixes, int parallelism, long checkpoint)
            throws Exception {
        List<String> known = CommittedRecords.knownTransactions(services.bootstrapServers());
        return prefixes.stream()
                .flatMap(
                        prefix ->
                                IntStream.range(0, parallelism)
                                        .mapToObj(
                                                subtask ->
                                                        prefix
                                                                + "-"
                                                                + subtask
                                                                + "-"
                                                                + (checkpoint + 1)))
                .allMatch(known::contains);
    }

    private static boolean isCountsTransaction(String id, String countsPrefix, long checkpoint) {
        return id.startsWith(countsPrefix + "-") && id.endsWith("-" + checkpoint);
    }

    /** The newest completed checkpoint once it reaches {@code checkpoint}, or after a while. */
    private static long completedWithin(FlinkRest rest, String jobId, long checkpoint) {
        long[] completed = {0};
        try {
            await("checkpoint " + checkpoint + " to complete")
                    .atMost(COMPLETION)
                    .ignoreExceptions()
                    .until(
                            () -> {
                                completed[0] = rest.latestCompletedCheckpointId(jobId);
                                return completed[0] >= checkpoint;
                            });
        } catch (ConditionTimeoutException notCompleted) {
            // Returned below: the caller tries again.
        }
        return completed[0];
    }
}
