package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the JobManager of a session cluster without high availability, then {@code
 * docker start} of the same container. The restarted JobManager knows no job, so the job is
 * submitted again from its newest retained checkpoint ({@code flink run -s}), as an operator would:
 * the checkpoint is the one the runbook {@code deploy/cluster/resume-latest.sh} picks, run in the
 * JobManager container without a job id (the restarted JobManager cannot tell it). Until the
 * TaskManagers notice the loss, the old job's tasks keep their transactions open; the resumed job
 * must fence, roll back and replay around them.
 */
@Tag("containers")
class JobManagerKillITCase {

    private static final String SCENARIO = "jobmanager-kill-9-resume-from-checkpoint";
    private static final int PARALLELISM = 2;
    private static final int EVENTS = 14_000;
    private static final int EVENTS_PER_SECOND = 200;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void killMinus9OfTheJobManagerAndResumeFromRetainedCheckpointNeitherLosesNorDuplicates()
            throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "jm_kill", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of()),
                new KillJobManager());
    }

    private static long checkpointId(String path) {
        return Long.parseLong(path.substring(path.lastIndexOf("chk-") + 4));
    }

    /**
     * Waits for output no completed checkpoint covers, kills the JobManager, starts it again, waits
     * for both TaskManagers to register, and resumes the job from its newest retained checkpoint.
     */
    private static final class KillJobManager extends ContainerFault {

        private Killed killed;
        private String killedJobId;
        private String resumedJobId;
        private long completedBeforeKill;
        private long inputAtKill;
        private String resumedFrom;
        private String containerAfterRestart;
        private Instant startedAfterRestart;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            FlinkCluster flink = scenario.environment().flink();
            killedJobId = job.jobId();
            scenario.awaitUncheckpointedOutput(killedJobId);
            completedBeforeKill = flink.rest().latestCompletedCheckpointId(killedJobId);

            killed = flink.killJobManager();
            inputAtKill = scenario.inputRecords();
            scenario.say(
                    "killed the JobManager (exit code "
                            + killed.exitCode()
                            + ") after checkpoint "
                            + completedBeforeKill
                            + ", "
                            + inputAtKill
                            + " input records produced");

            flink.restartJobManager(PARALLELISM, FaultScenario.WAIT);
            containerAfterRestart = flink.jobManagerContainerId();
            startedAfterRestart = flink.jobManagerStartedAt();
            resumedFrom = flink.newestCheckpointByRunbook();
            ClusterJob resumed = ((ClusterJob) job).resumeFrom(resumedFrom, OptionValues.of());
            resumedJobId = resumed.jobId();
            scenario.say(
                    "JobManager back after "
                            + seconds(Duration.between(killed.killedAt(), Instant.now()))
                            + "; job "
                            + resumedJobId
                            + " resumed from "
                            + resumedFrom);
            recovery =
                    FaultScenario.awaitCheckpointTriggeredAfter(
                            flink.rest(), resumedJobId, killed.killedAt().toEpochMilli());
            return resumed;
        }

        @Override
        String outcome() {
            return "recovery (kill to the resumed job's first checkpoint) "
                    + seconds(recovery)
                    + "; newest checkpoint before the kill "
                    + completedBeforeKill
                    + ", resumed from "
                    + resumedFrom;
        }

        @Override
        void assertStruck() {
            assertThat(killed.exitCode())
                    .as("exit code of the killed JobManager (SIGKILL)")
                    .isEqualTo(137);
            assertThat(containerAfterRestart)
                    .as("the restarted JobManager is the same" + " container")
                    .isEqualTo(killed.containerId());
            assertThat(startedAfterRestart)
                    .as("start time of the restarted JobManager")
                    .isAfter(killed.startedAt());
            assertThat(inputAtKill)
                    .as("input records when the JobManager died")
                    .isPositive()
                    .isLessThan(EVENTS);
            assertThat(resumedFrom)
                    .as("the checkpoint resume-latest.sh picked: one of the killed job's")
                    .contains("/" + killedJobId + "/chk-");
            assertThat(checkpointId(resumedFrom))
                    .as(
                            "the checkpoint the job resumed from:"
                                    + " the newest completed one, or one that completed as the kill"
                                    + " struck")
                    .isGreaterThanOrEqualTo(completedBeforeKill);
            assertThat(resumedJobId).isNotEqualTo(killedJobId);
        }
    }
}
