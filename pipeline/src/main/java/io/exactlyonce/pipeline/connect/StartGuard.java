package io.exactlyonce.pipeline.connect;

import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.jdbc.PreparedXids;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.sinks.kafka.KafkaSinkSettings;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.transaction.xa.XAException;
import org.apache.flink.client.deployment.application.executors.EmbeddedExecutor;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to submit the job without state over what an earlier run of it left behind.
 *
 * <p>Started without a checkpoint or savepoint, the source continues from the consumer group's
 * committed offsets, the XA sink rolls back every prepared transaction of its prefix and the Kafka
 * sinks abort their open transactions. Those include what the last completed checkpoint of the
 * earlier run had prepared but not yet committed, and the window contents are gone with its state:
 * that output is lost. So a start without state is refused while the group has committed offsets on
 * the input topic, or the database or the broker holds a transaction of the job's prefixes, unless
 * {@code --start.fresh true} says that this is intended.
 *
 * <p>This runs in {@code main()} before the job is submitted, so a job that restarts by itself (a
 * failover, also before its first checkpoint) never meets it.
 */
public final class StartGuard {

    private static final Logger LOG = LoggerFactory.getLogger(StartGuard.class);

    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);

    private StartGuard() {}

    /** The check {@code main()} runs before it submits the job. */
    public static void refuseStartOverEarlierRun(JobSettings config, ReadableConfig flink) {
        refuseStartOverEarlierRun(config, flink, () -> earlierRunTraces(config));
    }

    /**
     * @param earlierRunTraces what an earlier run left that a start without state would lose; only
     *     asked for when the job starts without state and a fresh start is not intended
     */
    static void refuseStartOverEarlierRun(
            JobSettings config, ReadableConfig flink, Supplier<List<String>> earlierRunTraces) {
        if (flink.getOptional(StateRecoveryOptions.SAVEPOINT_PATH).isPresent()) {
            return;
        }
        if (config.startFresh()) {
            LOG.warn(
                    "--{} true: starting without state; whatever an earlier run left prepared"
                            + " or uncommitted is rolled back or aborted",
                    JobOptions.START_FRESH.key());
            return;
        }
        if (mayBeARecoveryOfThisJob(flink)) {
            LOG.info(
                    "application mode with high availability: main() also runs when the"
                            + " JobManager recovers this job, so a start without state is not checked");
            return;
        }
        List<String> traces = earlierRunTraces.get();
        if (!traces.isEmpty()) {
            throw new StartRefusedException(
                    "Refusing to start without state: an earlier run"
                            + " of this job left "
                            + String.join("; ", traces)
                            + ". Without its state"
                            + " the source would continue after the committed offsets and the sinks"
                            + " would roll back or abort what its last checkpoint prepared, so that"
                            + " output would be lost. Resume it instead: flink run -s <newest retained"
                            + " checkpoint or savepoint of the earlier run> (the same options). To start"
                            + " afresh anyway, losing that output, add --"
                            + JobOptions.START_FRESH.key()
                            + " true.");
        }
    }

    /**
     * In application mode (the Kubernetes deployment) with high availability, a JobManager that
     * fails over, and a last-state upgrade, run {@code main()} again without a restore path while
     * Flink resumes the job from its latest checkpoint: refusing there would fail a recovery.
     */
    private static boolean mayBeARecoveryOfThisJob(ReadableConfig flink) {
        boolean applicationMode =
                EmbeddedExecutor.NAME.equalsIgnoreCase(flink.get(DeploymentOptions.TARGET));
        boolean highAvailability =
                !"NONE".equalsIgnoreCase(flink.get(HighAvailabilityOptions.HA_MODE));
        return applicationMode && highAvailability;
    }

    /**
     * Refuses to submit when the brokers refuse the job's TLS or SASL settings: every task would
     * fail alike, restart after restart. Runs whenever a security file is given, also when the
     * start guard does not look (a restore, {@code --start.fresh}). Anything else, a broker that
     * does not answer in time included, is left to the job's restarts.
     */
    public static void refuseRejectedCredentials(JobSettings config) {
        if (config.kafkaSecurity().isEmpty()) {
            return;
        }
        Properties properties = config.kafkaClientProperties();
        properties.put(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
        try (Admin admin = Admin.create(properties)) {
            admin.describeCluster().clusterId().get();
        } catch (AuthenticationException e) {
            throw new StartRefusedException(refusedByTheBrokers(e), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                throw new StartRefusedException(refusedByTheBrokers(refused), e);
            }
            LOG.warn(
                    "Could not reach the Kafka brokers to check the job's credentials ({});"
                            + " submitting anyway",
                    e.getCause().toString());
        } catch (KafkaException e) {
            LOG.warn(
                    "Could not check the job's Kafka credentials ({}); submitting anyway",
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartRefusedException("Interrupted while checking the Kafka credentials.", e);
        }
    }

    /** What an earlier run left behind, one line each; empty when nothing is left. */
    public static List<String> earlierRunTraces(JobSettings config) {
        List<String> traces = new ArrayList<>();
        Properties properties = config.kafkaClientProperties();
        properties.put(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis());
        try (Admin admin = Admin.create(properties)) {
            committedOffsets(admin, config).ifPresent(traces::add);
            openTransactions(admin, config).ifPresent(traces::add);
        } catch (AuthenticationException e) {
            throw new StartRefusedException(refusedByTheBrokers(e), e);
        } catch (KafkaException e) {
            // Admin.create refuses bootstrap servers none of which resolves.
            throw new StartRefusedException(
                    "Cannot check the Kafka cluster for an earlier run"
                            + " of this job ("
                            + e.getMessage()
                            + ": "
                            + e.getCause()
                            + ").",
                    e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException refused) {
                throw new StartRefusedException(refusedByTheBrokers(refused), e);
            }
            throw new StartRefusedException(
                    "Cannot check the Kafka cluster for an earlier run"
                            + " of this job ("
                            + e.getCause()
                            + ").",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartRefusedException("Interrupted while checking for an earlier run.", e);
        }
        preparedTransactions(config.countsToDatabase()).ifPresent(traces::add);
        return traces;
    }

    /** Kafka's message names the mechanism and the cause, never the credentials. */
    static String refusedByTheBrokers(AuthenticationException refused) {
        String what =
                refused instanceof SslAuthenticationException
                        ? "the TLS handshake with the brokers failed: check ssl.truststore.* (the CA that"
                                + " signed the brokers' certificates) and the host names they carry"
                        : "the brokers refused the job's credentials: check the user and password in"
                                + " sasl.jaas.config and sasl.mechanism";
        return "Cannot start: "
                + what
                + ", in the file named by --"
                + JobOptions.KAFKA_SECURITY_FILE.key()
                + " ("
                + refused.getMessage()
                + ").";
    }

    private static Optional<String> committedOffsets(Admin admin, JobSettings config)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(config.groupId())
                        .partitionsToOffsetAndMetadata()
                        .get();
        long partitions =
                offsets.entrySet().stream()
                        .filter(e -> e.getValue() != null)
                        .filter(e -> e.getKey().topic().equals(config.inputTopic()))
                        .count();
        return partitions == 0
                ? Optional.empty()
                : Optional.of(
                        "committed offsets of consumer group '"
                                + config.groupId()
                                + "' on "
                                + partitions
                                + " partition(s) of '"
                                + config.inputTopic()
                                + "'");
    }

    private static Optional<String> openTransactions(Admin admin, JobSettings config)
            throws ExecutionException, InterruptedException {
        Set<String> prefixes =
                Stream.of(config.countsToKafka(), config.lateVisits(), config.deadLetters())
                        .map(KafkaSinkSettings::transactionalIdPrefix)
                        .collect(Collectors.toSet());
        List<String> open =
                admin
                        .listTransactions(
                                new ListTransactionsOptions()
                                        .filterStates(
                                                Set.of(
                                                        TransactionState.ONGOING,
                                                        TransactionState.PREPARE_COMMIT,
                                                        TransactionState.PREPARE_ABORT)))
                        .all()
                        .get()
                        .stream()
                        .map(TransactionListing::transactionalId)
                        .filter(
                                id ->
                                        prefixes.stream()
                                                .anyMatch(prefix -> isTransactionOf(prefix, id)))
                        .sorted()
                        .toList();
        return open.isEmpty() ? Optional.empty() : Optional.of("open Kafka transactions " + open);
    }

    /**
     * Whether {@code transactionalId} is one the Kafka sink names with {@code prefix}: {@code
     * prefix-subtask-counter}. A bare prefix match would take another job's id ({@code
     * shop-late-counts-0-7}) for one of this job's late sink ({@code shop-late}).
     */
    public static boolean isTransactionOf(String prefix, String transactionalId) {
        return transactionalId.startsWith(prefix + "-")
                && transactionalId.substring(prefix.length() + 1).matches("\\d+-\\d+");
    }

    private static Optional<String> preparedTransactions(JdbcSinkSettings database) {
        List<SinkXid> prepared;
        try {
            prepared = PreparedXids.ofPrefix(database);
        } catch (SQLException e) {
            throw new StartRefusedException(
                    "Cannot check the database for an earlier run of"
                            + " this job ("
                            + e.getMessage()
                            + ").",
                    e);
        } catch (XAException e) {
            throw new StartRefusedException(
                    "Cannot check the database for an earlier run of"
                            + " this job: XA RECOVER failed (error "
                            + e.errorCode
                            + "). On MySQL 8 the"
                            + " user needs the XA_RECOVER_ADMIN privilege.",
                    e);
        }
        return prepared.isEmpty()
                ? Optional.empty()
                : Optional.of("prepared XA transactions " + prepared);
    }

    /** A start without state that would lose an earlier run's output; the message says why. */
    public static final class StartRefusedException extends InvalidJobConfigException {

        StartRefusedException(String message) {
            super(message);
        }

        StartRefusedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
