package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
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
 * user, seeded traffic, one TaskManager killed with {@code kill -9} and started again with {@code
 * docker-compose start}, then the JobManager's process killed with {@code kill -9} and left to
 * Docker's restart policy and ZooKeeper high availability: nobody resubmits, the restarted
 * JobManager resumes the same job from its newest checkpoint. Then a drain. Afterwards the verdict
 * of the fault scenarios: every window once in each sink, nothing prepared, no Kafka transaction
 * open. The kills are what let the test tell exactly-once from at-least-once ({@code
 * -Dit.jdbc.delivery-guarantee= AT_LEAST_ONCE} makes it fail); without a fault both write the same.
 */
@Tag("containers")
class ComposeClusterITCase {

    private static final String SCENARIO = "compose-taskmanager-restart-jobmanager-kill-9";
    private static final String KILLED_SERVICE = "taskmanager-1";
    private static final String JOB_MANAGER = "jobmanager";

    /** One slot on each of the compose file's two TaskManagers. */
    private static final int PARALLELISM = 2;

    /**
     * 80 s of traffic, one window per second: both kills and recoveries fall into it, the
     * JobManager's about half a minute in.
     */
    private static final int EVENTS = 16_000;

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
    void aTaskManagerRestartedByComposeAndAJobManagerRestartedByDockerNeitherLoseNorDuplicate()
            throws Exception {
        FaultScenario.run(
                cluster.jobRunner(),
                cluster,
                cluster.startup(),
                SCENARIO,
                FaultScenario.plan(
                        "compose", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of()),
                new RestartTaskManagerThenKillJobManager());
    }

    /**
     * The compose file's database takes TLS only: the job's user is refused in plain text, and
     * connects with the job's own URL options, which verify the server's certificate against the CA
     * that {@code make-database-tls.sh} made.
     */
    @Test
    void theDatabaseRefusesPlainTextAndTheJobsUrlVerifiesItsCertificate() throws Exception {
        String database = "visits";
        assertThatThrownBy(
                        () ->
                                DriverManager.getConnection(
                                                cluster.plaintextJdbcUrl(database),
                                                cluster.jdbcUser(),
                                                cluster.jdbcPassword())
                                        .close())
                .as("a connection without TLS")
                .hasMessageContaining("insecure transport");
        assertThat(cluster.jdbcUrl(database)).contains("sslMode=VERIFY_IDENTITY");
        try (Connection connection =
                        DriverManager.getConnection(
                                cluster.jdbcUrl(database),
                                cluster.jdbcUser(),
                                cluster.jdbcPassword());
                Statement statement = connection.createStatement();
                ResultSet cipher = statement.executeQuery("SHOW STATUS LIKE 'Ssl_cipher'")) {
            assertThat(cipher.next()).isTrue();
            assertThat(cipher.getString(2)).as("the session's TLS cipher").isNotBlank();
        }
    }

    /**
     * Once the job has completed two checkpoints, kills a TaskManager that runs part of it from
     * outside, starts the same container again as an operator would, and waits for the first
     * checkpoint after the kill. Then kills the JobManager's process and only waits: Docker starts
     * the container again, the new JobManager finds the job in ZooKeeper and its checkpoint in the
     * HA storage, and a checkpoint completes after the kill under the same job id.
     */
    private static final class RestartTaskManagerThenKillJobManager extends ContainerFault {

        /** From the start of the traffic to each kill; for the log. */
        private Duration taskManagerKillIntoTraffic;

        private Duration jobManagerKillIntoTraffic;

        private int freeSlotsAtKill;
        private final JobFailures counted = new JobFailures();
        private Killed killed;
        private String restartedContainer;
        private Instant restartedAt;
        private Duration taskManagerRecovery;

        private String jobId;
        private String jobManagerContainerBefore;
        private int jobManagerRestartsBefore;
        private Instant jobManagerKilledAt;
        private long completedBeforeJobManagerKill;
        private String jobManagerContainerAfter;
        private int jobManagerRestartsAfter;
        private Instant jobManagerStartedAgainAt;
        private String stateAfter;
        private FlinkRest.Checkpoint restoredAfter;
        private Duration jobManagerRecovery;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            // The run starts its traffic just before this.
            Instant trafficStarted = Instant.now();
            FlinkRest rest = cluster.rest();
            jobId = job.jobId();
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
            taskManagerKillIntoTraffic = Duration.between(trafficStarted, killed.killedAt());
            scenario.say(
                    "killed "
                            + KILLED_SERVICE
                            + " (exit code "
                            + killed.exitCode()
                            + ") "
                            + taskManagerKillIntoTraffic.toSeconds()
                            + " s into the traffic");
            cluster.start(KILLED_SERVICE);
            restartedContainer = cluster.containerId(KILLED_SERVICE);
            restartedAt =
                    HardKill.startedAt(DockerClientFactory.instance().client(), restartedContainer);
            scenario.say(KILLED_SERVICE + " started again");

            long killedAt = killed.killedAt().toEpochMilli();
            taskManagerRecovery = counted.awaitRecovery(rest, jobId, killedAt, killedAt);
            scenario.say(
                    "job recovered from the TaskManager kill in " + seconds(taskManagerRecovery));

            killJobManagerAndWait(scenario, rest, trafficStarted);
            recovery = jobManagerRecovery;
            return job;
        }

        /** kill -9 of the JobManager's JVM; then nothing but waiting for the job to come back. */
        private void killJobManagerAndWait(
                FaultScenario scenario, FlinkRest rest, Instant trafficStarted) throws Exception {
            completedBeforeJobManagerKill = rest.latestCompletedCheckpointId(jobId);
            jobManagerContainerBefore = cluster.containerId(JOB_MANAGER);
            jobManagerRestartsBefore = cluster.restartCount(JOB_MANAGER);
            jobManagerKilledAt = Instant.now();
            cluster.killMainProcess(JOB_MANAGER);
            jobManagerKillIntoTraffic = Duration.between(trafficStarted, jobManagerKilledAt);
            scenario.say(
                    "killed the JobManager's process with kill -9 "
                            + jobManagerKillIntoTraffic.toSeconds()
                            + " s into the traffic, after checkpoint "
                            + completedBeforeJobManagerKill
                            + "; waiting for Docker and high availability");

            await("Docker to restart the JobManager's container")
                    .atMost(WAIT)
                    .until(() -> cluster.restartCount(JOB_MANAGER) > jobManagerRestartsBefore);
            jobManagerContainerAfter = cluster.containerId(JOB_MANAGER);
            jobManagerRestartsAfter = cluster.restartCount(JOB_MANAGER);
            jobManagerStartedAgainAt =
                    HardKill.startedAt(
                            DockerClientFactory.instance().client(), jobManagerContainerAfter);
            await("job " + jobId + " RUNNING again under the restarted JobManager")
                    .atMost(WAIT)
                    .ignoreExceptions()
                    .until(() -> "RUNNING".equals(rest.state(jobId)));
            long killedAt = jobManagerKilledAt.toEpochMilli();
            jobManagerRecovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, jobId, killedAt);
            stateAfter = rest.state(jobId);
            restoredAfter = rest.latestRestored(jobId).orElse(null);
            scenario.say(
                    "job "
                            + jobId
                            + " recovered by the restarted JobManager from checkpoint "
                            + (restoredAfter == null ? "?" : restoredAfter.id())
                            + "; kill to the next completed checkpoint "
                            + seconds(jobManagerRecovery));
        }

        @Override
        String outcome() {
            return "the TaskManager kill came "
                    + taskManagerKillIntoTraffic.toSeconds()
                    + " s into the traffic, recovery (kill to the next completed checkpoint) "
                    + seconds(taskManagerRecovery)
                    + "; "
                    + counted
                    + "; the JobManager kill came "
                    + jobManagerKillIntoTraffic.toSeconds()
                    + " s into the traffic, recovery with no operator action "
                    + seconds(jobManagerRecovery)
                    + ", restored checkpoint "
                    + (restoredAfter == null ? "none" : restoredAfter.id());
        }

        @Override
        List<Duration> recoveries() {
            return List.of(taskManagerRecovery, jobManagerRecovery);
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

            assertThat(jobManagerKillIntoTraffic)
                    .as("when the JobManager was killed: while the traffic flowed")
                    .isLessThan(Duration.ofSeconds(EVENTS / EVENTS_PER_SECOND));
            assertThat(jobManagerContainerAfter)
                    .as("Docker restarted the same JobManager container")
                    .isEqualTo(jobManagerContainerBefore);
            assertThat(jobManagerRestartsAfter)
                    .as("restarts of the JobManager container by its restart policy")
                    .isEqualTo(jobManagerRestartsBefore + 1);
            assertThat(jobManagerStartedAgainAt)
                    .as("start time of the restarted JobManager")
                    .isAfter(jobManagerKilledAt);
            assertThat(stateAfter).as("state of the same job id afterwards").isEqualTo("RUNNING");
            assertThat(restoredAfter)
                    .as("the checkpoint the restarted JobManager restored the job from")
                    .isNotNull();
            assertThat(restoredAfter.triggeredAt())
                    .as("when the job was restored: after the JobManager kill")
                    .isGreaterThanOrEqualTo(jobManagerKilledAt.toEpochMilli());
            assertThat(restoredAfter.id())
                    .as(
                            "the restored checkpoint: the newest completed before the kill, or one"
                                    + " that completed as the kill struck")
                    .isGreaterThanOrEqualTo(completedBeforeJobManagerKill);
        }
    }
}
