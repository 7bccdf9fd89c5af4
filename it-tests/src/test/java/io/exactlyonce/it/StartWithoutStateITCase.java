package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mysql.cj.jdbc.MysqlXADataSource;
import io.exactlyonce.pipeline.VisitCountJob;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.ProgramParametrizationException;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code VisitCountJob.main} against a real broker and MariaDB: a start without state over what an
 * earlier run left is refused with one message, and a start that loses nothing (or is declared
 * fresh) is submitted.
 */
class StartWithoutStateITCase {

    private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.oneTaskManager(1);

    private final EmbeddedInfrastructure services = EmbeddedServices.get();

    @Test
    void refusedWhileTheConsumerGroupHasCommittedOffsets(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        JobSettings config = freshRun("so");
        commitOffset(config, 0L);

        Throwable refusal = submit(flink, config).refusal();

        assertOneLineRefusal(refusal);
        assertThat(refusal.getMessage())
                .contains("committed offsets of consumer group '" + config.groupId() + "'");
    }

    @Test
    void refusedWhileATransactionOfItsXidPrefixIsPrepared(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        JobSettings config = freshRun("sp");
        withPreparedTransaction(
                config,
                xid -> {
                    Throwable refusal = submit(flink, config).refusal();

                    assertOneLineRefusal(refusal);
                    assertThat(refusal.getMessage())
                            .contains("prepared XA transactions [" + xid + "]");
                    assertThat(preparedInDatabase(config))
                            .as("the refusal left the transaction prepared")
                            .contains(xid.toString());
                });
    }

    @Test
    void refusedWhileAKafkaTransactionOfItsPrefixIsOpen(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        JobSettings config = freshRun("sk");
        String transactionalId = config.countsToKafka().transactionalIdPrefix() + "-0-7";
        try (KafkaProducer<byte[], byte[]> producer = transactionalProducer(transactionalId)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(config.countsToKafka().topic(), new byte[] {1}))
                    .get();

            Throwable refusal = submit(flink, config).refusal();

            assertOneLineRefusal(refusal);
            assertThat(refusal.getMessage())
                    .contains("open Kafka transactions [" + transactionalId + "]");
            producer.abortTransaction();
        }
    }

    @Test
    void startsOverAnEarlierRunWhenAFreshStartIsIntended(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        JobSettings config = freshRun("sf", OptionValues.of(JobOptions.START_FRESH, true));
        commitOffset(config, 0L);
        withPreparedTransaction(config, xid -> submit(flink, config).assertStarted());
    }

    @Test
    void startsWithAFreshGroupAndACleanDatabase(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        JobSettings config = freshRun("sc");

        submit(flink, config).assertStarted();
    }

    /** What became of one call of {@code main}: it threw, or a job of this run was submitted. */
    private record Submission(Throwable thrown, JobID started) {

        Throwable refusal() {
            assertThat(started).as("main() submitted the job instead of refusing it").isNull();
            return thrown;
        }

        void assertStarted() {
            assertThat(thrown).as("main() threw instead of submitting").isNull();
            assertThat(started).isNotNull();
        }
    }

    /** Runs {@code main} with {@code config}'s options, as {@code flink run} would pass them. */
    private static Submission submit(MiniCluster flink, JobSettings config) throws Exception {
        String[] args = config.toArguments().toArray(String[]::new);
        CompletableFuture<Throwable> main =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                VisitCountJob.main(args);
                                return null;
                            } catch (Throwable e) {
                                return e;
                            }
                        });
        JobID[] started = new JobID[1];
        await("main() to refuse or to submit " + config.jobName())
                .atMost(SUBMIT_TIMEOUT)
                .ignoreExceptions()
                .until(
                        () -> {
                            if (main.isDone()) {
                                return true;
                            }
                            for (JobStatusMessage job : flink.listJobs().get()) {
                                if (job.getJobName().equals(config.jobName())
                                        && !job.getJobState().isTerminalState()) {
                                    started[0] = job.getJobId();
                                    return true;
                                }
                            }
                            return false;
                        });
        if (started[0] != null) {
            flink.cancelJob(started[0]).get();
            return new Submission(null, started[0]);
        }
        return new Submission(main.get(), null);
    }

    private static void assertOneLineRefusal(Throwable refusal) {
        // flink run prints the message of a ProgramParametrizationException, not a stack trace.
        assertThat(refusal).isInstanceOf(ProgramParametrizationException.class).hasNoCause();
        assertThat(refusal.getMessage())
                .startsWith("Refusing to start without state: an earlier run of this job left ")
                .contains("flink run -s <newest retained checkpoint", "--start.fresh true")
                .doesNotContain("\n");
    }

    private JobSettings freshRun(String base) throws Exception {
        return freshRun(base, OptionValues.of());
    }

    private JobSettings freshRun(String base, OptionValues overrides) throws Exception {
        VerifiedRun.Plan plan =
                new VerifiedRun.Plan(
                        // Short: the names make transactional id prefixes of at most 32 characters.
                        EmbeddedServices.uniqueName(base),
                        1,
                        VisitTraffic.Settings.forTest(1L, 10, Duration.ofSeconds(1)),
                        10,
                        Duration.ofSeconds(1),
                        0,
                        overrides);
        JobSettings config = VerifiedRun.config(plan, services);
        VerifiedRun.createTopicsAndDatabase(config, plan, services);
        return config;
    }

    private void commitOffset(JobSettings config, long offset) throws Exception {
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                services.bootstrapServers()))) {
            admin.alterConsumerGroupOffsets(
                            config.groupId(),
                            Map.of(
                                    new TopicPartition(config.inputTopic(), 0),
                                    new OffsetAndMetadata(offset)))
                    .all()
                    .get();
        }
    }

    private KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        return new KafkaProducer<>(
                properties, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private interface WithXid {
        void run(SinkXid xid) throws Exception;
    }

    /** Runs {@code body} while a transaction of the run's XID prefix is prepared. */
    private void withPreparedTransaction(JobSettings config, WithXid body) throws Exception {
        SinkXid xid = new SinkXid(config.countsToDatabase().xidPrefix(), 0, 7L, 0);
        prepare(config, xid);
        try {
            body.run(xid);
        } finally {
            rollBack(config, xid);
        }
    }

    /** Writes a row under {@code xid} and prepares it, then closes, as the sink does. */
    private void prepare(JobSettings config, SinkXid xid) throws Exception {
        XAConnection connection = xaDataSource(config).getXAConnection();
        try {
            XAResource resource = connection.getXAResource();
            resource.start(xid, XAResource.TMNOFLAGS);
            try (Statement statement = connection.getConnection().createStatement()) {
                statement.executeUpdate(
                        "INSERT INTO visit_counts (user_id, window_start,"
                                + " window_end, visit_count) VALUES ('earlier-run', 0, 60000, 1)");
            }
            resource.end(xid, XAResource.TMSUCCESS);
            resource.prepare(xid);
        } finally {
            connection.close();
        }
    }

    private void rollBack(JobSettings config, SinkXid xid) throws Exception {
        XAConnection connection = xaDataSource(config).getXAConnection();
        try {
            connection.getXAResource().rollback(xid);
        } catch (XAException e) {
            if (e.errorCode != XAException.XAER_NOTA) {
                throw e;
            }
        } finally {
            connection.close();
        }
    }

    private List<String> preparedInDatabase(JobSettings config) throws Exception {
        XAConnection connection = xaDataSource(config).getXAConnection();
        try {
            return Arrays.stream(
                            connection
                                    .getXAResource()
                                    .recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN))
                    .flatMap(xid -> SinkXid.parse(xid).stream())
                    .map(SinkXid::toString)
                    .toList();
        } finally {
            connection.close();
        }
    }

    private MysqlXADataSource xaDataSource(JobSettings config) {
        MysqlXADataSource dataSource = new MysqlXADataSource();
        dataSource.setUrl(config.countsToDatabase().jdbcUrl());
        dataSource.setUser(services.jdbcUser());
        dataSource.setPassword(services.jdbcPassword());
        return dataSource;
    }
}
