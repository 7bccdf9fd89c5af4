package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.FlinkCluster.TaskManager;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.sinks.jdbc.SinkXid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rescale that meets prepared XA transactions of subtasks that no longer exist. The job runs at
 * parallelism 2 and is caught ({@link PreparedWindow}) with the XA transactions of both sink
 * subtasks prepared for a checkpoint the JobManager has not completed; then its TaskManagers are
 * killed while frozen, so the old run commits and rolls back nothing, and the job is cancelled.
 * It resumes from its newest retained checkpoint ({@code flink run -s}) at another parallelism:
 * the new subtasks must roll back every held transaction (they lie above the restored
 * checkpoint), old subtask 1's included when no subtask 1 exists any more, and replay its rows.
 */
@Tag("containers")
class PreparedRescaleITCase {

    private static final String SCENARIO = "taskmanagers-kill-9-while-prepared-rescale";
    private static final int PARALLELISM = 2;
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;
    private static final int ATTEMPTS = 30;
    /**
     * How long the caught checkpoint must stay incomplete while the TaskManagers are frozen:
     * longer than the REST API caches checkpoint statistics (3 s by default), so one answer
     * was computed well after the freeze. A run with 2 s accepted a checkpoint that had
     * completed, and the commit of one of its transactions, already sent, then ran.
     */
    private static final Duration STAYS_PENDING = Duration.ofSeconds(5);

    /** One cluster for both tests; each starts the TaskManagers it lacks. */
    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void resumedAtParallelism1RollsBackThePreparedTransactionsOfBothOldSubtasks()
            throws Exception {
        killWhilePreparedAndResumeAt(1);
    }

    @Test
    void resumedAtParallelism3RollsBackThePreparedTransactionsOfBothOldSubtasks()
            throws Exception {
        killWhilePreparedAndResumeAt(3);
    }

    private static void killWhilePreparedAndResumeAt(int resumedParallelism) throws Exception {
        String scenario = SCENARIO + "-2-to-" + resumedParallelism;
        ContainerEnvironment environment = CONTAINERS.environment();
        for (int i = environment.flink().taskManagers().size(); i < PARALLELISM; i++) {
            environment.flink().startTaskManager();
        }
        VerifiedRun.Plan plan = FaultScenario.plan("prep_rescale_" + resumedParallelism,
                PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of());
        KillWhilePreparedAndRescale fault =
                new KillWhilePreparedAndRescale(plan, scenario, resumedParallelism);

        FaultScenario.Outcome outcome = FaultScenario.run(environment, scenario, plan, fault);
        FaultSummary.append(scenario, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());
        FaultScenario.say(scenario, "scenario took " + outcome.took().toSeconds() + " s; caught"
                + " at attempt " + fault.attempts + "; held above checkpoint "
                + fault.completedAtKill + ": " + fault.heldAbove + "; resumed from "
                + fault.resumedFrom + " at parallelism " + fault.parallelismAfter
                + "; recovery (kill to the resumed job's first checkpoint) "
                + fault.recovery.toMillis() / 1000.0 + " s");

        assertThat(fault.heldAbove).as("XA transactions prepared above the newest completed"
                        + " checkpoint (%d), by old subtask", fault.completedAtKill)
                .extracting(SinkXid::subtask).contains(0, 1);
        assertThat(fault.exitCodes).as("exit codes of the killed TaskManagers (SIGKILL)")
                .containsOnly(137L).hasSizeGreaterThanOrEqualTo(PARALLELISM);
        assertThat(fault.listedBeforeResume).as("XA RECOVER after the kill, before the resume")
                .containsAll(fault.heldAbove);
        assertThat(checkpointId(fault.resumedFrom)).as("the checkpoint the job resumed from")
                .isEqualTo(fault.completedAtKill);
        assertThat(fault.parallelismBefore).isEqualTo(PARALLELISM);
        assertThat(fault.parallelismAfter).as("parallelism of the resumed job")
                .isEqualTo(resumedParallelism);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    private static long checkpointId(String path) {
        return Long.parseLong(path.substring(path.lastIndexOf("chk-") + 4));
    }

    /**
     * Freezes the TaskManagers with both subtasks' transactions prepared above the newest
     * completed checkpoint, kills them (a paused container dies of SIGKILL without a thaw),
     * cancels the job, and resumes it from its newest retained checkpoint at the other
     * parallelism on as many new TaskManagers.
     */
    private static final class KillWhilePreparedAndRescale implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private final String scenario;
        private final int resumedParallelism;
        private int attempts;
        private List<SinkXid> heldAbove = List.of();
        private long completedAtKill;
        private final List<Long> exitCodes = new ArrayList<>();
        private List<SinkXid> listedBeforeResume = List.of();
        private String resumedFrom;
        private int parallelismBefore;
        private int parallelismAfter;
        private Duration recovery;

        KillWhilePreparedAndRescale(VerifiedRun.Plan plan, String scenario,
                int resumedParallelism) {
            this.plan = plan;
            this.scenario = scenario;
            this.resumedParallelism = resumedParallelism;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerEnvironment environment = CONTAINERS.environment();
            ContainerServices services = environment.services();
            FlinkCluster flink = environment.flink();
            FlinkRest rest = flink.rest();
            String jobId = job.jobId();
            String prefix = VerifiedRun.config(plan, services).countsToDatabase().xidPrefix();
            FaultScenario.awaitUncheckpointedOutput(environment, plan, jobId);
            parallelismBefore = rest.parallelism(jobId);

            PreparedWindow.Caught caught = PreparedWindow.freezeWhilePrepared(
                    services, flink, prefix, ATTEMPTS, held -> {
                        long completed = rest.latestCompletedCheckpointId(jobId);
                        heldAbove = held.stream().filter(x -> x.checkpointId() > completed)
                                .toList();
                        Set<Integer> subtasks = heldAbove.stream().map(SinkXid::subtask)
                                .collect(Collectors.toSet());
                        return subtasks.containsAll(Set.of(0, 1))
                                && staysPending(rest, jobId, completed);
                    });
            attempts = caught.attempts();
            long killedAt = System.currentTimeMillis();
            for (TaskManager taskManager : flink.taskManagers()) {
                exitCodes.add(flink.kill(taskManager).exitCode());
            }
            rest.cancel(jobId);
            Poll.until("the old job to be cancelled", FaultScenario.WAIT,
                    () -> Set.of("CANCELED", "FAILED").contains(rest.state(jobId)));
            completedAtKill = rest.latestCompletedCheckpointId(jobId);
            listedBeforeResume = services.preparedXids(prefix);
            resumedFrom = flink.latestRetainedCheckpoint(jobId);
            FaultScenario.say(scenario, "TaskManagers killed with " + heldAbove + " prepared"
                    + " above checkpoint " + completedAtKill + "; job cancelled; resuming from "
                    + resumedFrom + " at parallelism " + resumedParallelism);

            for (int i = 0; i < resumedParallelism; i++) {
                flink.startTaskManager();
            }
            ClusterJob resumed = ((ClusterJob) job).resumeFrom(resumedFrom,
                    OptionValues.of(JobOptions.PARALLELISM, resumedParallelism));
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, resumed.jobId(),
                    killedAt);
            parallelismAfter = rest.parallelism(resumed.jobId());
            Poll.until("the resumed job to roll back the held transactions", FaultScenario.WAIT,
                    () -> services.preparedXids(prefix).stream().noneMatch(heldAbove::contains));
            return resumed;
        }

        /** Whether the newest completed checkpoint stays {@code completed} for a while. */
        private static boolean staysPending(FlinkRest rest, String jobId, long completed)
                throws InterruptedException {
            try {
                Poll.until("a checkpoint to complete while frozen", STAYS_PENDING,
                        () -> rest.latestCompletedCheckpointId(jobId) > completed);
                return false;
            } catch (IllegalStateException stillPending) {
                return true;
            }
        }
    }
}
