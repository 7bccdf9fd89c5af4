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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A checkpoint that times out because a sink is blocked: the database is frozen ({@code docker
 * pause}) while traffic flows, so the XA sink's statements, and with them the barrier, wait; the
 * checkpoint expires. Frozen, not gone: connections stay open and every statement goes through
 * once the database is thawed. What the expired checkpoint pre-committed must never be
 * committed, and what it had not must still arrive exactly once.
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
        VerifiedRun.Plan plan = FaultScenario.plan("blocked_sink", PARALLELISM, EVENTS,
                EVENTS_PER_SECOND,
                OptionValues.of(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT));
        FreezeDatabase fault = new FreezeDatabase(plan);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome = FaultScenario.run(environment, SCENARIO, plan, fault);
        FaultSummary.append(SCENARIO, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());
        FaultScenario.say(SCENARIO, "scenario took " + outcome.took().toSeconds() + " s; frozen "
                + fault.frozen.toMillis() / 1000.0 + " s; recovery (freeze to the next"
                + " completed checkpoint) " + fault.recovery.toMillis() / 1000.0 + " s; failed"
                + " checkpoints " + fault.failedBefore + " -> " + fault.failedWhileFrozen
                + "; restores " + fault.restoresBefore + " -> " + fault.restoresAfter
                + "; failures " + fault.failures);

        assertThat(fault.failedWhileFrozen).as("checkpoints that failed while the sink was"
                + " blocked").isGreaterThan(fault.failedBefore);
        assertThat(fault.frozen).as("how long the database was frozen")
                .isGreaterThan(CHECKPOINT_TIMEOUT);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * Waits for output no completed checkpoint covers, freezes the database until a checkpoint
     * has failed, thaws it, and waits for the next checkpoint to complete.
     */
    private static final class FreezeDatabase implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private long failedBefore;
        private long failedWhileFrozen;
        private long restoresBefore;
        private long restoresAfter;
        private List<String> failures;
        private Duration frozen;
        private Duration recovery;

        FreezeDatabase(VerifiedRun.Plan plan) {
            this.plan = plan;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerEnvironment environment = CONTAINERS.environment();
            FlinkRest rest = environment.flink().rest();
            String jobId = job.jobId();
            FaultScenario.awaitUncheckpointedOutput(environment, plan, jobId);
            failedBefore = rest.failedCheckpoints(jobId);
            restoresBefore = rest.restores(jobId);

            Instant frozenAt = Instant.now();
            environment.services().pauseMariaDb();
            try {
                FaultScenario.say(SCENARIO, "database frozen");
                Poll.until("a checkpoint to fail behind the blocked sink", FaultScenario.WAIT,
                        () -> rest.failedCheckpoints(jobId) > failedBefore);
                failedWhileFrozen = rest.failedCheckpoints(jobId);
            } finally {
                environment.services().unpauseMariaDb();
            }
            frozen = Duration.between(frozenAt, Instant.now());
            FaultScenario.say(SCENARIO, "database thawed after " + frozen.toMillis() / 1000.0
                    + " s");

            long thawedAt = System.currentTimeMillis();
            recovery = Duration.between(frozenAt, Instant.ofEpochMilli(thawedAt)).plus(
                    FaultScenario.awaitCheckpointTriggeredAfter(rest, jobId, thawedAt));
            restoresAfter = rest.restores(jobId);
            failures = rest.failuresSince(jobId, frozenAt.toEpochMilli());
            return job;
        }
    }
}
