package io.exactlyonce.examples.revenue;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.examples.revenue.avro.OrderPlaced;
import io.exactlyonce.model.serde.ConfluentAvroSerializer;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.faults.TaskManagerKill;
import io.exactlyonce.testkit.run.InputCheckpointed;
import io.exactlyonce.testkit.verify.Observer;
import io.exactlyonce.testkit.verify.ProducedRecord;
import io.exactlyonce.testkit.verify.TrafficProducer;
import io.exactlyonce.testkit.verify.Verdict;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job on a MiniCluster of two TaskManagers, against a real Kafka broker, a real MariaDB
 * through XA and a schema registry (the testkit's embedded ones). One TaskManager is killed
 * while orders flow; the job restores its last checkpoint on a replacement, is drained, and the
 * testkit's verdict compares both sinks with the sums the traffic was planned to give.
 */
class RevenueExactlyOnceITCase {

    private static final int TASK_MANAGERS = 2;
    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(2);
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    /** One slot each, so each TaskManager runs one of the job's two subtasks of every operator. */
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(TASK_MANAGERS)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    private static EmbeddedInfrastructure services;

    @BeforeAll
    static void startServices() throws Exception {
        services = EmbeddedInfrastructure.start(Path.of("target", "embedded-services"));
    }

    @AfterAll
    static void stopServices() {
        services.close();
    }

    @Test
    void aKilledTaskManagerNeitherLosesNorDuplicatesRevenue(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String name = "revenue-" + ProcessHandle.current().pid();
        RevenuePerMerchantJob.Settings settings = new RevenuePerMerchantJob.Settings(name,
                services.bootstrapServers(), services.registryUrl(), name + "-orders",
                name + "-revenue", name + "-late", name + "-dead-letter", services.jdbcUrl(name),
                services.jdbcUser(), services.jdbcPassword(), WINDOW, OUT_OF_ORDERNESS,
                CHECKPOINT_INTERVAL);
        for (String topic : List.of(settings.inputTopic(), settings.outputTopic(),
                settings.lateTopic(), settings.deadLetterTopic())) {
            services.createTopic(topic, TASK_MANAGERS, Map.of());
        }
        services.createDatabase(name, MerchantRevenueTable.CREATE_TABLE);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(TASK_MANAGERS);
        RevenuePerMerchantJob.define(env, settings);
        JobClient job = env.executeAsync(name);
        // Orders start to flow once the job runs, so the kill below lands mid-stream.
        TaskManagerKill.awaitCompletedCheckpoints(cluster, job.getJobID(), 1, TIMEOUT);

        ConfluentAvroSerializer<OrderPlaced> serializer = new ConfluentAvroSerializer<>();
        serializer.configure(Map.of("schema.registry.url", services.registryUrl()), false);
        CompletableFuture<List<ProducedRecord>> producing = TrafficProducer.produce(
                services.bootstrapServers(), settings.inputTopic(),
                OrderTraffic.plan(serializer, settings.inputTopic(), 7L, 6_000, 30, WINDOW,
                        Duration.ofMillis(500)),
                300);
        // Halfway between two checkpoints: a second of revenue is written but not committed.
        TaskManagerKill.awaitNewestCheckpointAge(
                cluster, job.getJobID(), 3, CHECKPOINT_INTERVAL.dividedBy(2), TIMEOUT);
        TaskManagerKill.kill(cluster, 0, TIMEOUT);
        boolean killedMidStream = !producing.isDone();
        long restored = TaskManagerKill.awaitRestored(cluster, job.getJobID(), TIMEOUT);
        List<ProducedRecord> input = producing.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        InputCheckpointed.await(services.bootstrapServers(), settings.inputTopic(), name, TIMEOUT);
        job.stopWithSavepoint(true, Path.of("target", "savepoints", name).toUri().toString(),
                SavepointFormatType.CANONICAL).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

        Verdict.Report report = Verdict.judge(input, WINDOW, OUT_OF_ORDERNESS,
                Verdict.ReadOrder.PARTITIONS_IN_STEP, Observer.observe(new Observer.Targets(
                        services.bootstrapServers(), services.registryUrl(),
                        settings.outputTopic(), settings.lateTopic(), settings.deadLetterTopic(),
                        services.jdbcUrl(name), services.jdbcUser(), services.jdbcPassword()),
                        new RevenueResults(services.registryUrl())));
        System.out.println(report.table());

        assertThat(restored).as("the job restored a completed checkpoint").isPositive();
        assertThat(killedMidStream).as("the TaskManager died while orders flowed").isTrue();
        assertThat(report.deadLetters()).as("bad records were dead-lettered").isEqualTo(5);
        assertThat(report.problems()).as(report.table()).isEmpty();
    }
}
