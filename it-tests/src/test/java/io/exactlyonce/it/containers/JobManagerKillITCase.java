package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the JobManager of a session cluster without high availability, then
 * {@code docker start} of the same container. The restarted JobManager knows no job, so the job
 * is submitted again from its newest retained checkpoint ({@code flink run -s}), as an operator
 * would. Until the TaskManagers notice the loss, the old job's tasks keep their transactions
 * open; the resumed job must fence, roll back and replay around them.
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
        VerifiedRun.Plan plan = FaultScenario.plan(
                "jm_kill", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of());
        KillJobManager fault = new KillJobManager(plan);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome = FaultScenario.run(environment, SCENARIO, plan, fault);
        FaultSummary.append(SCENARIO, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());
        FaultScenario.say(SCENARIO, "scenario took " + outcome.took().toSeconds() + " s;"
                + " recovery (kill to the resumed job's first checkpoint) "
                + fault.recovery.toMillis() / 1000.0 + " s; newest checkpoint before the kill "
                + fault.completedBeforeKill + ", resumed from " + fault.resumedFrom);

        assertThat(fault.killed.exitCode()).as("exit code of the killed JobManager (SIGKILL)")
                .isEqualTo(137);
        assertThat(fault.containerAfterRestart).as("the restarted JobManager is the same"
                + " container").isEqualTo(fault.killed.containerId());
        assertThat(fault.startedAfterRestart).as("start time of the restarted JobManager")
                .isAfter(fault.killed.startedAt());
        assertThat(fault.inputAtKill).as("input records when the JobManager died")
                .isPositive().isLessThan(EVENTS);
        assertThat(checkpointId(fault.resumedFrom)).as("the checkpoint the job resumed from:"
                        + " the newest completed one, or one that completed as the kill struck")
                .isGreaterThanOrEqualTo(fault.completedBeforeKill);
        assertThat(fault.resumedJobId).isNotEqualTo(fault.killedJobId);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    private static long checkpointId(String path) {
        return Long.parseLong(path.substring(path.lastIndexOf("chk-") + 4));
    }

    /**
     * Waits for output no completed checkpoint covers, kills the JobManager, starts it again,
     * waits for both TaskManagers to register, and resumes the job from its newest retained
     * checkpoint.
     */
    private static final class KillJobManager implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private Killed killed;
        private String killedJobId;
        private String resumedJobId;
        private long completedBeforeKill;
        private long inputAtKill;
        private String resumedFrom;
        private String containerAfterRestart;
        private Instant startedAfterRestart;
        private Duration recovery;

        KillJobManager(VerifiedRun.Plan plan) {
            this.plan = plan;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerEnvironment environment = CONTAINERS.environment();
            FlinkCluster flink = environment.flink();
            killedJobId = job.jobId();
            FaultScenario.awaitUncheckpointedOutput(environment, plan, killedJobId);
            completedBeforeKill = flink.rest().latestCompletedCheckpointId(killedJobId);

            killed = flink.killJobManager();
            inputAtKill = FaultScenario.inputRecords(environment, plan);
            FaultScenario.say(SCENARIO, "killed the JobManager (exit code " + killed.exitCode()
                    + ") after checkpoint " + completedBeforeKill + ", " + inputAtKill
                    + " input records produced");

            flink.restartJobManager(PARALLELISM, FaultScenario.WAIT);
            containerAfterRestart = flink.jobManagerContainerId();
            startedAfterRestart = flink.jobManagerStartedAt();
            resumedFrom = flink.latestRetainedCheckpoint(killedJobId);
            ClusterJob resumed = ((ClusterJob) job).resumeFrom(resumedFrom, OptionValues.of());
            resumedJobId = resumed.jobId();
            FaultScenario.say(SCENARIO, "JobManager back after " + Duration.between(
                    killed.killedAt(), Instant.now()).toMillis() / 1000.0 + " s; job "
                    + resumedJobId + " resumed from " + resumedFrom);
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(
                    flink.rest(), resumedJobId, killed.killedAt().toEpochMilli());
            return resumed;
        }
    }
}
