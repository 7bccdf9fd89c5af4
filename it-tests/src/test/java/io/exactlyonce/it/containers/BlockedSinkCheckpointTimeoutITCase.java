package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A checkpoint that times out because a sink is blocked: the database is frozen ({@code docker
 * pause}) while traffic flows, so the XA sink's statements, and with them the barrier, wait; the
 * checkpoint expires. Frozen, not gone: connections stay open and every statement goes through once
 * the database is thawed. What the expired checkpoint pre-committed must never be committed, and
 * what it had not must still arrive exactly once.
 */
@Tag("containers")
class BlockedSinkCheckpointTimeoutITCase {

    private static final String SCENARIO = "checkpoint-timeout-blocked-sink";
    private static final int PARALLELISM = 2;
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void checkpointExpiringBehindABlockedSinkNeitherLosesNorDuplicates() throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "blocked_sink",
                        PARALLELISM,
                        EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT)),
                new FreezeDatabase());
    }

    /**
     * Waits for output no completed checkpoint covers, freezes the database until a checkpoint has
     * failed, thaws it, and waits for the next checkpoint to complete.
     */
    private static final class FreezeDatabase extends ContainerFault {

        private final JobFailures counted = new JobFailures();
        private long failedWhileFrozen;
        private Duration frozen;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            ContainerEnvironment environment = scenario.environment();
            FlinkRest rest = environment.flink().rest();
            String jobId = job.jobId();
            scenario.awaitUncheckpointedOutput(jobId);
            counted.countBefore(rest, jobId);

            Instant frozenAt = Instant.now();
            environment.services().pauseMariaDb();
            try {
                scenario.say("database frozen");
                await("a checkpoint to fail behind the blocked sink")
                        .atMost(FaultScenario.WAIT)
                        .ignoreExceptions()
                        .until(() -> rest.failedCheckpoints(jobId) > counted.failedBefore);
                failedWhileFrozen = rest.failedCheckpoints(jobId);
            } finally {
                environment.services().unpauseMariaDb();
            }
            frozen = Duration.between(frozenAt, Instant.now());
            scenario.say("database thawed after " + seconds(frozen));

            recovery =
                    counted.awaitRecovery(
                            rest, jobId, frozenAt.toEpochMilli(), System.currentTimeMillis());
            return job;
        }

        @Override
        String outcome() {
            return "frozen "
                    + seconds(frozen)
                    + "; failed checkpoints while frozen "
                    + failedWhileFrozen
                    + "; recovery (freeze to the next completed checkpoint) "
                    + seconds(recovery)
                    + "; "
                    + counted;
        }

        @Override
        void assertStruck() {
            assertThat(failedWhileFrozen)
                    .as("checkpoints that failed while the sink was" + " blocked")
                    .isGreaterThan(counted.failedBefore);
            assertThat(frozen)
                    .as("how long the database was frozen")
                    .isGreaterThan(CHECKPOINT_TIMEOUT);
        }
    }
}
