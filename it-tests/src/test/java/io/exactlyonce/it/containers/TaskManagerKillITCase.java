package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.FlinkCluster.TaskManager;
import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    private static final Duration WAIT = FaultScenario.WAIT;
    private static final String REPEATED_SCENARIO = "taskmanager-kill-9-repeated";
    private static final int KILLS = 3;
    /** Room for three kills and recoveries of about half a minute each. */
    private static final int REPEATED_EVENTS = 30_000;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void killMinus9OfATaskManagerMidStreamNeitherLosesNorDuplicates() throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan("tm_kill", PARALLELISM, EVENTS,
                EVENTS_PER_SECOND, OptionValues.of());
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

    @Test
    void repeatedKillsMinus9OfTaskManagersNeitherLoseNorDuplicate() throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan("tm_kills", PARALLELISM, REPEATED_EVENTS,
                EVENTS_PER_SECOND, OptionValues.of());
        KillTaskManagersRepeatedly fault = new KillTaskManagersRepeatedly(plan, KILLS);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome =
                FaultScenario.run(environment, REPEATED_SCENARIO, plan, fault);
        Duration slowest = fault.recoveries.stream().max(Duration::compareTo).orElseThrow();
        FaultSummary.append(REPEATED_SCENARIO, outcome.report(), slowest, environment.startup(),
                outcome.took());
        FaultScenario.say(REPEATED_SCENARIO, "scenario took " + outcome.took().toSeconds()
                + " s; recoveries " + fault.recoveries + "; exit codes " + fault.exitCodes
                + "; restores " + fault.restoresBefore + " -> " + fault.restoresAfter);

        assertThat(fault.exitCodes).as("exit codes of the killed TaskManagers (SIGKILL)")
                .hasSize(KILLS).containsOnly(137L);
        assertThat(fault.restoresAfter - fault.restoresBefore)
                .as("checkpoint restores: at least one per kill").isGreaterThanOrEqualTo(KILLS);
        assertThat(fault.recoveries).as("a checkpoint completed after every kill")
                .hasSize(KILLS);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * {@code kills} times: waits for output no completed checkpoint covers, kills the
     * TaskManager that has run longest, starts a replacement and waits for the next checkpoint.
     * A kill never comes before the job recovered from the previous one.
     */
    private static final class KillTaskManagersRepeatedly implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private final int kills;
        private final List<Long> exitCodes = new ArrayList<>();
        private final List<Duration> recoveries = new ArrayList<>();
        private long restoresBefore;
        private long restoresAfter;

        KillTaskManagersRepeatedly(VerifiedRun.Plan plan, int kills) {
            this.plan = plan;
            this.kills = kills;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            FlinkCluster flink = CONTAINERS.environment().flink();
            FlinkRest rest = flink.rest();
            String jobId = job.jobId();
            FaultScenario.awaitUncheckpointedOutput(CONTAINERS.environment(), plan, jobId);
            restoresBefore = rest.restores(jobId);
            for (int kill = 1; kill <= kills; kill++) {
                long input = FaultScenario.inputRecords(CONTAINERS.environment(), plan);
                Poll.until("output after the last recovery", WAIT, () -> FaultScenario
                        .inputRecords(CONTAINERS.environment(), plan) >= input
                                + plan.recordsPerSecond());
                Killed killed = flink.kill(flink.taskManagers().get(0));
                exitCodes.add(killed.exitCode());
                flink.startTaskManager();
                recoveries.add(FaultScenario.awaitCheckpointTriggeredAfter(
                        rest, jobId, killed.killedAt().toEpochMilli()));
                FaultScenario.say(REPEATED_SCENARIO, "kill " + kill + " of " + kills + ": "
                        + killed.resourceId() + " exit " + killed.exitCode() + ", recovered in "
                        + recoveries.get(recoveries.size() - 1).toMillis() / 1000.0 + " s");
            }
            restoresAfter = rest.restores(jobId);
            return job;
        }
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
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
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
            return job;
        }
    }

    private static void say(String message) {
        FaultScenario.say(SCENARIO, message);
    }
}
