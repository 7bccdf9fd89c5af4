package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.embedded.EmbeddedInfrastructure;
import io.exactlyonce.testkit.faults.FailOnceAfterCheckpoint;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.time.Duration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job, on a Flink MiniCluster, against a real Kafka broker and a real MariaDB through XA: a
 * failure is injected after a completed checkpoint while traffic flows, and afterwards every sink
 * must hold exactly what an oracle computed from the generated input says.
 *
 * <p>{@code -Dit.kafka.delivery-guarantee=AT_LEAST_ONCE} or {@code
 * -Dit.jdbc.delivery-guarantee=AT_LEAST_ONCE} runs the same test with one sink weakened; it must
 * then fail, which shows the test can tell.
 */
class ExactlyOnceITCase {

    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    private final EmbeddedInfrastructure services = EmbeddedServices.get();

    @Test
    void failureAfterACompletedCheckpointNeitherLosesNorDuplicates() throws Exception {
        VerifiedRun.Plan plan =
                new VerifiedRun.Plan(
                        EmbeddedServices.uniqueName("eo"),
                        PARALLELISM,
                        VisitTraffic.Settings.forTest(42L, 4_000, Duration.ofSeconds(1))
                                .withWindows(20),
                        400,
                        Duration.ofSeconds(2),
                        2,
                        OptionValues.of(
                                        JobOptions.KAFKA_GUARANTEE,
                                        JobOptions.Guarantee.valueOf(
                                                System.getProperty(
                                                        "it.kafka.delivery-guarantee",
                                                        "EXACTLY_ONCE")))
                                .with(
                                        JobOptions.JDBC_GUARANTEE,
                                        JobOptions.Guarantee.valueOf(
                                                System.getProperty(
                                                        "it.jdbc.delivery-guarantee",
                                                        "EXACTLY_ONCE"))));

        Verdict.Report report =
                VerifiedRun.run(
                        StreamExecutionEnvironment.getExecutionEnvironment(),
                        plan,
                        services,
                        System.out::println);
        System.out.println(report.table());

        assertThat(FailOnceAfterCheckpoint.FAILURES)
                .as("the injected failure happened")
                .hasValue(1);
        assertThat(report.lateEvents()).as("some visits came late").isPositive();
        assertThat(report.deadLetters()).as("bad records were rejected").isPositive();
        assertThat(report.problems()).as(report.table()).isEmpty();
    }
}
