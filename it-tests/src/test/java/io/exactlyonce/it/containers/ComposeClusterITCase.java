package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * The compose cluster of {@code deploy/compose}, used as its README tells a user to: up with
 * docker-compose, the job submitted with {@code submit-job.sh} as the least-privilege database
 * user, seeded traffic, one TaskManager killed with {@code kill -9} and started again with {@code
 * docker-compose start}, then a drain. Afterwards the verdict of the fault scenarios: every window
 * once in each sink, nothing prepared, no Kafka transaction open. The kill is what lets the test
 * tell exactly-once from at-least-once ({@code -Dit.jdbc.delivery-guarantee= AT_LEAST_ONCE} makes
 * it fail); without a fault both write the same.
 */
@Tag("containers")
class ComposeClusterITCase {

    private static final String SCENARIO = "compose-taskmanager-restart";
    private static final String KILLED_SERVICE = "taskmanager-1";

    /** One slot on each of the compose file's two TaskManagers. */
    private static final int PARALLELISM = 2;

    /** As in {@link TaskManagerKillITCase}: a minute of traffic, one window per second. */
    private static final int EVENTS = 12_000;

    private static final int EVENTS_PER_SECOND = 200;
    private static final Duration WAIT = FaultScenario.WAIT;

    private static ComposeCluster cluster;

    @BeforeAll
    static void up() throws Exception {
        cluster = ComposeCluster.up("eo-compose-" + ProcessHandle.current().pid());
        FaultScenario.say(
                SCENARIO, "compose cluster healthy in " + cluster.startup().toSeconds() + " s");
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aTaskManagerKilledAndStartedAgainByComposeNeitherLosesNorDuplicates() throws Exception {
        FaultScenario.run(
                cluster.jobRunner(),
                cluster,
                cluster.startup(),
                SCENARIO,
                FaultScenario.plan(
                        "compose", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of()),
                new RestartTaskManager());
    }

    /**
     * Once the job has completed two checkpoints, kills a TaskManager that runs part of it from
     * outside, starts the same container again as an operator would, and waits for the first
     * checkpoint after the kill.
     */
    private static final class RestartTaskManager extends ContainerFault {

        /** From the start of the traffic (a minute of it) to the kill; for the log. */
        private Duration intoTraffic;

        private int freeSlotsAtKill;
        private final JobFailures counted = new JobFailures();
        private Killed killed;
        private String restartedContainer;
        private Instant restartedAt;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            // The run starts its traffic just before this.
            Instant trafficStarted = Instant.now();
            FlinkRest rest = cluster.rest();
            String jobId = job.jobId();
            await("two completed checkpoints")
                    .atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> rest.completedCheckpoints(jobId) >= 2);
            counted.countBefore(rest, jobId);
            freeSlotsAtKill = rest.availableSlots();

            killed =
                    HardKill.kill(
                            DockerClientFactory.instance().client(),
                            KILLED_SERVICE,
                            cluster.containerId(KILLED_SERVICE));
            intoTraffic = Duration.between(trafficStarted, killed.killedAt());
            scenario.say(
                    "killed "
                            + KILLED_SERVICE
                            + " (exit code "
                            + killed.exitCode()
                            + ") "
                            + intoTraffic.toSeconds()
                            + " s into the traffic");
            cluster.start(KILLED_SERVICE);
            restartedContainer = cluster.containerId(KILLED_SERVICE);
            restartedAt =
                    HardKill.startedAt(DockerClientFactory.instance().client(), restartedContainer);
            scenario.say(KILLED_SERVICE + " started again");

            long killedAt = killed.killedAt().toEpochMilli();
            recovery = counted.awaitRecovery(rest, jobId, killedAt, killedAt);
            return job;
        }

        @Override
        String outcome() {
            return "the kill came "
                    + intoTraffic.toSeconds()
                    + " s into the traffic; recovery"
                    + " (kill to the next completed checkpoint) "
                    + seconds(recovery)
                    + "; "
                    + counted;
        }

        @Override
        void assertStruck() {
            FaultScenario.assertTaskManagerKillHit(freeSlotsAtKill, killed, counted);
            assertThat(restartedContainer)
                    .as("docker-compose started the same container")
                    .isEqualTo(killed.containerId());
            assertThat(restartedAt)
                    .as("start time of the restarted TaskManager")
                    .isAfter(killed.killedAt());
        }
    }
}
