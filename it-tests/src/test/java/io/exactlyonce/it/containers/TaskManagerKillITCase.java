package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.containers.FlinkCluster.TaskManager;
import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of a TaskManager of a real Flink cluster while traffic flows, then a replacement
 * TaskManager: the job must restore its last completed checkpoint, abort what was pre-committed
 * after it, and end with every sink holding exactly what the oracle says.
 */
@Tag("containers")
class TaskManagerKillITCase {

    private static final String SCENARIO = "taskmanager-kill-9";
    private static final int PARALLELISM = 2;

    /**
     * A minute of traffic, one window per second of it, so windows fire all along. The job needs
     * about half of that minute to start on two cores; the kill must come before its end.
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
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "tm_kill", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of()),
                new KillTaskManager());
    }

    @Test
    void repeatedKillsMinus9OfTaskManagersNeitherLoseNorDuplicate() throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                REPEATED_SCENARIO,
                FaultScenario.plan(
                        "tm_kills",
                        PARALLELISM,
                        REPEATED_EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of()),
                new KillTaskManagersRepeatedly(KILLS));
    }

    /**
     * {@code kills} times: waits for output no completed checkpoint covers, kills the TaskManager
     * that has run longest, starts a replacement and waits for the next checkpoint. A kill never
     * comes before the job recovered from the previous one. The recovery it reports is the slowest.
     */
    private static final class KillTaskManagersRepeatedly extends ContainerFault {

        private final int kills;
        private final List<Long> exitCodes = new ArrayList<>();
        private final List<Duration> recoveries = new ArrayList<>();
        private long restoresBefore;
        private long restoresAfter;

        KillTaskManagersRepeatedly(int kills) {
            this.kills = kills;
        }

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            FlinkCluster flink = scenario.environment().flink();
            FlinkRest rest = flink.rest();
            String jobId = job.jobId();
            scenario.awaitUncheckpointedOutput(jobId);
            restoresBefore = rest.restores(jobId);
            for (int kill = 1; kill <= kills; kill++) {
                long input = scenario.inputRecords();
                await("output after the last recovery")
                        .atMost(WAIT)
                        .ignoreExceptions()
                        .until(
                                () ->
                                        scenario.inputRecords()
                                                >= input + scenario.plan().recordsPerSecond());
                Killed killed = flink.kill(flink.taskManagers().get(0));
                exitCodes.add(killed.exitCode());
                flink.startTaskManager();
                recoveries.add(
                        FaultScenario.awaitCheckpointTriggeredAfter(
                                rest, jobId, killed.killedAt().toEpochMilli()));
                scenario.say(
                        "kill "
                                + kill
                                + " of "
                                + kills
                                + ": "
                                + killed.resourceId()
                                + " exit "
                                + killed.exitCode()
                                + ", recovered in "
                                + seconds(recoveries.get(recoveries.size() - 1)));
            }
            restoresAfter = rest.restores(jobId);
            recovery = recoveries.stream().max(Duration::compareTo).orElseThrow();
            return job;
        }

        @Override
        String outcome() {
            return "recoveries "
                    + recoveries
                    + "; exit codes "
                    + exitCodes
                    + "; restores "
                    + restoresBefore
                    + " -> "
                    + restoresAfter;
        }

        @Override
        void assertStruck() {
            assertThat(exitCodes)
                    .as("exit codes of the killed TaskManagers (SIGKILL)")
                    .hasSize(kills)
                    .containsOnly(137L);
            assertThat(restoresAfter - restoresBefore)
                    .as("checkpoint restores: at least one per kill")
                    .isGreaterThanOrEqualTo(kills);
            assertThat(recoveries).as("a checkpoint completed after every kill").hasSize(kills);
        }
    }

    /**
     * Waits until the job has completed checkpoints and has written output that no completed
     * checkpoint covers yet, kills a TaskManager that runs part of it, starts a replacement, and
     * waits for the first checkpoint after the kill.
     */
    private static final class KillTaskManager extends ContainerFault {

        private Killed killed;
        private TaskManager replacement;
        private Instant replacementStartedAt;
        private long inputAtKill;
        private int freeSlotsAtKill;
        private final JobFailures counted = new JobFailures();

        /** The operator's audit must find the run exact too (the default assertion). */
        @Override
        boolean audited() {
            return true;
        }

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            FlinkCluster flink = scenario.environment().flink();
            FlinkRest rest = flink.rest();
            String jobId = job.jobId();
            scenario.awaitUncheckpointedOutput(jobId);
            counted.countBefore(rest, jobId);
            freeSlotsAtKill = rest.availableSlots();

            killed = flink.kill(flink.taskManagers().get(0));
            inputAtKill = scenario.inputRecords();
            scenario.say(
                    "killed "
                            + killed.resourceId()
                            + " (container "
                            + killed.containerId().substring(0, 12)
                            + ", exit code "
                            + killed.exitCode()
                            + ") with "
                            + inputAtKill
                            + " input records produced");
            replacement = flink.startTaskManager();
            replacementStartedAt = flink.startedAt(replacement);
            scenario.say("replacement " + replacement.resourceId() + " registered");

            long killedAt = killed.killedAt().toEpochMilli();
            recovery = counted.awaitRecovery(rest, jobId, killedAt, killedAt);
            return job;
        }

        @Override
        String outcome() {
            return "recovery (kill to the next completed checkpoint) "
                    + seconds(recovery)
                    + "; "
                    + counted;
        }

        @Override
        void assertStruck() {
            FaultScenario.assertTaskManagerKillHit(freeSlotsAtKill, killed, counted);
            assertThat(inputAtKill)
                    .as("input records in the topic when the kill struck")
                    .isPositive()
                    .isLessThan(EVENTS);
            assertThat(replacement.container().getContainerId())
                    .as("the replacement is a new container")
                    .isNotEqualTo(killed.containerId());
            assertThat(replacementStartedAt)
                    .as("start time of the replacement")
                    .isAfter(killed.startedAt());
        }
    }
}
