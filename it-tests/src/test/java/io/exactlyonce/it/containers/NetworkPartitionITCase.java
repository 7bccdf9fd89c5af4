package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The network between the TaskManagers and the database, then between the TaskManagers and the
 * broker, cut while traffic flows for longer than Flink's heartbeat timeout, then healed.
 * Packets are dropped, not refused: the sinks' statements and requests hang as in a real
 * partition until their own timeouts or the checkpoint timeout end them.
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
        runWithCut("partition-taskmanagers-database", "cut_db",
                services -> services.mariaDbContainerId());
    }

    @Test
    void cutBetweenTaskManagersAndBrokerNeitherLosesNorDuplicates() throws Exception {
        runWithCut("partition-taskmanagers-broker", "cut_kafka",
                services -> services.kafkaContainerId());
    }

    private static void runWithCut(String scenario, String runName,
            Function<ContainerServices, String> peer) throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan(runName, PARALLELISM, EVENTS,
                EVENTS_PER_SECOND,
                OptionValues.of(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT));
        ContainerEnvironment environment = CONTAINERS.environment();
        Cut fault = new Cut(scenario, plan, peer.apply(environment.services()));

        FaultScenario.Outcome outcome = FaultScenario.run(environment, scenario, plan, fault);
        FaultSummary.append(scenario, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());
        FaultScenario.say(scenario, "scenario took " + outcome.took().toSeconds() + " s; cut for "
                + fault.held.toMillis() / 1000.0 + " s; recovery (cut to the next checkpoint"
                + " after the heal) " + fault.recovery.toMillis() / 1000.0 + " s; failed"
                + " checkpoints " + fault.failedBefore + " -> " + fault.failedAfter
                + "; restores " + fault.restoresBefore + " -> " + fault.restoresAfter
                + "; packets dropped " + fault.droppedPackets + "; checkpoints failed during"
                + " the cut " + fault.failedDuringCut + "; failures " + fault.failures);

        assertThat(fault.peers).as("TaskManager addresses cut off").hasSize(PARALLELISM);
        assertThat(fault.droppedPackets).as("packets the cut dropped between the TaskManagers"
                + " and the peer: the job tried to reach it").isPositive();
        // The reason depends on which timeout ends the hang first: "Checkpoint expired before
        // completing." (broker cut) or a failover of the job ("Checkpoint Coordinator is
        // suspending.", database cut, where the driver gave up first).
        assertThat(fault.failedDuringCut).as("checkpoints that failed during the cut, with the"
                + " JobManager's reason").isNotEmpty();
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * Waits for output no completed checkpoint covers, drops all packets between the
     * TaskManagers and {@code containerId} for {@link #CUT} and until Flink has noticed, heals,
     * and waits for the first checkpoint that completes after that.
     */
    private static final class Cut implements VerifiedRun.Fault {

        private final String scenario;
        private final VerifiedRun.Plan plan;
        private final String containerId;
        private List<String> peers;
        private long failedBefore;
        private long failedAfter;
        private long restoresBefore;
        private long restoresAfter;
        private List<String> failures;
        /** Checkpoints that failed between the cut and the heal, with their reasons. */
        private List<String> failedDuringCut = List.of();
        private long droppedPackets;
        private Duration held;
        private Duration recovery;

        Cut(String scenario, VerifiedRun.Plan plan, String containerId) {
            this.scenario = scenario;
            this.plan = plan;
            this.containerId = containerId;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerEnvironment environment = CONTAINERS.environment();
            FlinkRest rest = environment.flink().rest();
            String jobId = job.jobId();
            peers = environment.flink().taskManagerAddresses(environment.networkId());
            try (NetworkPartition partition = new NetworkPartition(containerId)) {
                FaultScenario.awaitUncheckpointedOutput(environment, plan, jobId);
                failedBefore = rest.failedCheckpoints(jobId);
                restoresBefore = rest.restores(jobId);

                Instant cutAt = Instant.now();
                partition.cut(peers);
                FaultScenario.say(scenario, "cut " + peers + " off");
                Poll.until("the cut to outlast the heartbeat timeout and Flink to notice it",
                        FaultScenario.WAIT,
                        () -> Duration.between(cutAt, Instant.now()).compareTo(CUT) >= 0
                                && (rest.failedCheckpoints(jobId) > failedBefore
                                        || rest.restores(jobId) > restoresBefore));
                droppedPackets = partition.droppedPackets();
                failedDuringCut = rest.failedCheckpointsSince(jobId, cutAt.toEpochMilli());
                partition.heal();
                held = Duration.between(cutAt, Instant.now());
                FaultScenario.say(scenario, "healed after " + held.toMillis() / 1000.0 + " s");

                long healedAt = System.currentTimeMillis();
                recovery = Duration.between(cutAt, Instant.ofEpochMilli(healedAt)).plus(
                        FaultScenario.awaitCheckpointTriggeredAfter(rest, jobId, healedAt));
                failedAfter = rest.failedCheckpoints(jobId);
                restoresAfter = rest.restores(jobId);
                failures = rest.failuresSince(jobId, cutAt.toEpochMilli());
            }
            return job;
        }
    }
}
