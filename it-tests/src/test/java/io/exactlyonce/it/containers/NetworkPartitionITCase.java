package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The network between the TaskManagers and the database, then between the TaskManagers and the
 * broker, cut while traffic flows for longer than Flink's heartbeat timeout, then healed. Packets
 * are dropped, not refused: the sinks' statements and requests hang as in a real partition until
 * their own timeouts or the checkpoint timeout end them.
 */
@Tag("containers")
class NetworkPartitionITCase {

    private static final int PARALLELISM = 2;
    private static final int EVENTS = 16_000;
    private static final int EVENTS_PER_SECOND = 200;

    /** Flink's heartbeat timeout on the cluster ({@link FlinkCluster}) plus a margin. */
    private static final Duration CUT = FlinkCluster.HEARTBEAT_TIMEOUT.plusSeconds(5);

    /** As in {@link BrokerKillITCase}: a checkpoint into the partition hangs until it expires. */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(15);

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension("network-partition", PARALLELISM);

    @Test
    void cutBetweenTaskManagersAndDatabaseNeitherLosesNorDuplicates() throws Exception {
        runWithCut(
                "partition-taskmanagers-database",
                "cut_db",
                services -> services.mariaDbContainerId());
    }

    @Test
    void cutBetweenTaskManagersAndBrokerNeitherLosesNorDuplicates() throws Exception {
        runWithCut(
                "partition-taskmanagers-broker",
                "cut_kafka",
                services -> services.kafkaContainerId());
    }

    private static void runWithCut(
            String scenario, String runName, Function<ContainerServices, String> peer)
            throws Exception {
        ContainerEnvironment environment = CONTAINERS.environment();
        FaultScenario.run(
                environment,
                scenario,
                FaultScenario.plan(
                        runName,
                        PARALLELISM,
                        EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT)),
                new Cut(peer.apply(environment.services())));
    }

    /**
     * Waits for output no completed checkpoint covers, drops all packets between the TaskManagers
     * and {@code containerId} for {@link #CUT} and until Flink has noticed, heals, and waits for
     * the first checkpoint that completes after that.
     */
    private static final class Cut extends ContainerFault {

        private final String containerId;
        private List<String> peers;
        private final JobFailures counted = new JobFailures();

        /** Checkpoints that failed between the cut and the heal, with their reasons. */
        private List<String> failedDuringCut = List.of();

        private long droppedPackets;
        private Duration held;

        Cut(String containerId) {
            this.containerId = containerId;
        }

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            ContainerEnvironment environment = scenario.environment();
            FlinkRest rest = environment.flink().rest();
            String jobId = job.jobId();
            peers = environment.flink().taskManagerAddresses(environment.networkId());
            try (NetworkPartition partition = new NetworkPartition(containerId)) {
                scenario.awaitUncheckpointedOutput(jobId);
                counted.countBefore(rest, jobId);

                Instant cutAt = Instant.now();
                partition.cut(peers);
                scenario.say("cut " + peers + " off");
                await("the cut to outlast the heartbeat timeout and Flink to notice it")
                        .atMost(FaultScenario.WAIT)
                        .ignoreExceptions()
                        .until(
                                () ->
                                        Duration.between(cutAt, Instant.now()).compareTo(CUT) >= 0
                                                && (rest.failedCheckpoints(jobId)
                                                                > counted.failedBefore
                                                        || rest.restores(jobId)
                                                                > counted.restoresBefore));
                droppedPackets = partition.droppedPackets();
                failedDuringCut = rest.failedCheckpointsSince(jobId, cutAt.toEpochMilli());
                partition.heal();
                held = Duration.between(cutAt, Instant.now());
                scenario.say("healed after " + seconds(held));

                recovery =
                        counted.awaitRecovery(
                                rest, jobId, cutAt.toEpochMilli(), System.currentTimeMillis());
            }
            return job;
        }

        @Override
        String outcome() {
            return "cut for "
                    + seconds(held)
                    + "; recovery (cut to the next checkpoint after"
                    + " the heal) "
                    + seconds(recovery)
                    + "; packets dropped "
                    + droppedPackets
                    + "; checkpoints failed during the cut "
                    + failedDuringCut
                    + "; "
                    + counted;
        }

        @Override
        void assertStruck() {
            assertThat(peers).as("TaskManager addresses cut off").hasSize(PARALLELISM);
            assertThat(droppedPackets)
                    .as(
                            "packets the cut dropped between the TaskManagers"
                                    + " and the peer: the job tried to reach it")
                    .isPositive();
            // The reason depends on which timeout ends the hang first: "Checkpoint expired
            // before completing." (broker cut) or a failover of the job ("Checkpoint
            // Coordinator is suspending.", database cut, where the driver gave up first).
            assertThat(failedDuringCut)
                    .as("checkpoints that failed during the cut, with the" + " JobManager's reason")
                    .isNotEmpty();
        }
    }
}
