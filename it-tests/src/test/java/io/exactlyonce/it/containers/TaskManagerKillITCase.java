package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.FlinkCluster.TaskManager;
import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.local.JobRunner;
import io.exactlyonce.local.VerifiedRun;
import io.exactlyonce.pipeline.api.JobOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of a TaskManager of a real Flink cluster while traffic flows, then a
 * replacement TaskManager: the job must restore its last completed checkpoint, abort what was
 * pre-committed after it, and end with every sink holding exactly what the oracle says.
 */
@Tag("containers")
class TaskManagerKillITCase {

    private static final String SCENARIO = "taskmanager-kill-9";
    private static final int PARALLELISM = 2;
    /**
     * A minute of traffic, one window per second of it, so windows fire all along. The job
     * needs about half of that minute to start on two cores; the kill must come before its end.
     */
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void killMinus9OfATaskManagerMidStreamNeitherLosesNorDuplicates() throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan("tm_kill", PARALLELISM, EVENTS,
                EVENTS_PER_SECOND,
                // Until the JobManager declares the killed TaskManager lost (a few heartbeats),
                // restarts may pick its slot again and fail at once: leave room for them.
                Map.of(JobOption.RESTART_ATTEMPTS.key(), "30"));
        KillTaskManager fault = new KillTaskManager(plan);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome = FaultScenario.run(environment, SCENARIO, plan, fault);
        Duration scenario = outcome.took();
        FaultSummary.append(
                SCENARIO, outcome.report(), fault.recovery, environment.startup(), scenario);
        say("scenario took " + scenario.toSeconds() + " s; recovery (kill to the next completed"
                + " checkpoint) " + fault.recovery.toMillis() / 1000.0 + " s; checkpoint restores "
                + fault.restoresBefore + " -> " + fault.restoresAfter + "; failures "
                + fault.failures);

        FaultScenario.assertTaskManagerKillHit(fault.freeSlotsAtKill, fault.killed,
                fault.failures, fault.restoresBefore, fault.restoresAfter);
        assertThat(fault.inputAtKill).as("input records in the topic when the kill struck")
                .isPositive().isLessThan(EVENTS);
        assertThat(fault.replacement.container().getContainerId())
                .as("the replacement is a new container").isNotEqualTo(fault.killed.containerId());
        assertThat(fault.replacementStartedAt).as("start time of the replacement")
                .isAfter(fault.killed.startedAt());
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * Waits until the job has completed checkpoints and has written output that no completed
     * checkpoint covers yet, kills a TaskManager that runs part of it, starts a replacement, and
     * waits for the first checkpoint after the kill. Records what proves that the fault happened.
     */
    private static final class KillTaskManager implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private Killed killed;
        private TaskManager replacement;
        private Instant replacementStartedAt;
        private long inputAtKill;
        private int freeSlotsAtKill;
        private long restoresBefore;
        private long restoresAfter;
        private List<String> failures;
        private Duration recovery;

        KillTaskManager(VerifiedRun.Plan plan) {
            this.plan = plan;
        }

        @Override
        public void inject(JobRunner.SubmittedJob job) throws Exception {
            FlinkCluster flink = CONTAINERS.environment().flink();
            FlinkRest rest = flink.rest();
            String jobId = job.jobId();
            FaultScenario.awaitUncheckpointedOutput(CONTAINERS.environment(), plan, jobId);
            restoresBefore = rest.restores(jobId);
            freeSlotsAtKill = rest.availableSlots();

            killed = flink.kill(flink.taskManagers().get(0));
            inputAtKill = FaultScenario.inputRecords(CONTAINERS.environment(), plan);
            say("killed " + killed.resourceId() + " (container " + killed.containerId()
                    .substring(0, 12) + ", exit code " + killed.exitCode() + ") with "
                    + inputAtKill + " input records produced");
            replacement = flink.startTaskManager();
            replacementStartedAt = flink.startedAt(replacement);
            say("replacement " + replacement.resourceId() + " registered");

            long killedAt = killed.killedAt().toEpochMilli();
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, jobId, killedAt);
            restoresAfter = rest.restores(jobId);
            failures = rest.failuresSince(jobId, killedAt);
        }
    }

    private static void say(String message) {
        FaultScenario.say(SCENARIO, message);
    }
}
