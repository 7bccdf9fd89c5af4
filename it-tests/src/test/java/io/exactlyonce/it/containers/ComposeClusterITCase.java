package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

/**
 * The compose cluster of {@code deploy/compose}, used as its README tells a user to: up with
 * docker-compose, the job submitted with {@code submit-job.sh} as the least-privilege database
 * user, seeded traffic, one TaskManager killed with {@code kill -9} and started again with
 * {@code docker-compose start}, then a drain. Afterwards the verdict of the fault scenarios:
 * every window once in each sink, nothing prepared, no Kafka transaction open. The kill is what
 * lets the test tell exactly-once from at-least-once ({@code -Dit.jdbc.delivery-guarantee=
 * AT_LEAST_ONCE} makes it fail); without a fault both write the same.
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
        say("compose cluster healthy in " + cluster.startup().toSeconds() + " s");
    }

    @AfterAll
    static void down() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aTaskManagerKilledAndStartedAgainByComposeNeitherLosesNorDuplicates() throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan("compose", PARALLELISM, EVENTS,
                EVENTS_PER_SECOND, OptionValues.of());
        RestartTaskManager fault = new RestartTaskManager();

        FaultScenario.Outcome outcome =
                FaultScenario.run(cluster.jobRunner(), cluster, SCENARIO, plan, fault);
        Duration run = outcome.took();
        FaultSummary.append(SCENARIO, outcome.report(), fault.recovery, cluster.startup(), run);
        say("run took " + run.toSeconds() + " s; the kill came " + fault.intoTraffic.toSeconds()
                + " s into the traffic; recovery (kill to the next completed checkpoint) "
                + fault.recovery.toMillis() / 1000.0 + " s; checkpoint restores "
                + fault.restoresBefore + " -> " + fault.restoresAfter + "; failures "
                + fault.failures);

        FaultScenario.assertTaskManagerKillHit(fault.freeSlotsAtKill, fault.killed,
                fault.failures, fault.restoresBefore, fault.restoresAfter);
        assertThat(fault.restartedContainer).as("docker-compose started the same container")
                .isEqualTo(fault.killed.containerId());
        assertThat(fault.restartedAt).as("start time of the restarted TaskManager")
                .isAfter(fault.killed.killedAt());
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * Once the job has completed two checkpoints, kills a TaskManager that runs part of it from
     * outside, starts the same container again as an operator would, and waits for the first
     * checkpoint after the kill. Records what proves that the fault happened.
     */
    private static final class RestartTaskManager implements VerifiedRun.Fault {

        /** From the start of the traffic (a minute of it) to the kill; for the log. */
        private Duration intoTraffic;
        private int freeSlotsAtKill;
        private long restoresBefore;
        private Killed killed;
        private String restartedContainer;
        private Instant restartedAt;
        private long restoresAfter;
        private List<String> failures;
        private Duration recovery;

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            // The run starts its traffic just before this.
            Instant trafficStarted = Instant.now();
            FlinkRest rest = cluster.rest();
            String jobId = job.jobId();
            Poll.until("two completed checkpoints", WAIT,
                    () -> rest.completedCheckpoints(jobId) >= 2);
            restoresBefore = rest.restores(jobId);
            freeSlotsAtKill = rest.availableSlots();

            killed = HardKill.kill(DockerClientFactory.instance().client(), KILLED_SERVICE,
                    cluster.containerId(KILLED_SERVICE));
            intoTraffic = Duration.between(trafficStarted, killed.killedAt());
            say("killed " + KILLED_SERVICE + " (exit code " + killed.exitCode() + ") "
                    + intoTraffic.toSeconds() + " s into the traffic");
            cluster.start(KILLED_SERVICE);
            restartedContainer = cluster.containerId(KILLED_SERVICE);
            restartedAt = HardKill.startedAt(
                    DockerClientFactory.instance().client(), restartedContainer);
            say(KILLED_SERVICE + " started again");

            long killedAt = killed.killedAt().toEpochMilli();
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, jobId, killedAt);
            restoresAfter = rest.restores(jobId);
            failures = rest.failuresSince(jobId, killedAt);
            return job;
        }
    }

    private static void say(String message) {
        FaultScenario.say(SCENARIO, message);
    }
}
