package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.containers.FlinkCluster.TaskManager;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A rescale that meets prepared XA transactions of subtasks that no longer exist. The job runs at
 * parallelism 2 and is caught ({@link PreparedWindow}) with the XA transactions of both sink
 * subtasks prepared for a checkpoint the JobManager has not completed; then its TaskManagers are
 * killed while frozen, so the old run commits and rolls back nothing, and the job is cancelled. It
 * resumes from its newest retained checkpoint ({@code flink run -s}) at another parallelism: the
 * new subtasks must roll back every held transaction (they lie above the restored checkpoint), old
 * subtask 1's included when no subtask 1 exists any more, and replay its rows.
 */
@Tag("containers")
class PreparedRescaleITCase {

    private static final String SCENARIO = "taskmanagers-kill-9-while-prepared-rescale";
    private static final int PARALLELISM = 2;
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;
    private static final int ATTEMPTS = 30;

    /**
     * How long the caught checkpoint must stay incomplete while the TaskManagers are frozen: longer
     * than the REST API caches checkpoint statistics (3 s by default), so one answer was computed
     * well after the freeze. A run with 2 s accepted a checkpoint that had completed, and the
     * commit of one of its transactions, already sent, then ran.
     */
    private static final Duration STAYS_PENDING = Duration.ofSeconds(5);

    /** One cluster for both tests; each starts the TaskManagers it lacks. */
    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void resumedAtParallelism1RollsBackThePreparedTransactionsOfBothOldSubtasks() throws Exception {
        killWhilePreparedAndResumeAt(1);
    }

    @Test
    void resumedAtParallelism3RollsBackThePreparedTransactionsOfBothOldSubtasks() throws Exception {
        killWhilePreparedAndResumeAt(3);
    }

    private static void killWhilePreparedAndResumeAt(int resumedParallelism) throws Exception {
        ContainerEnvironment environment = CONTAINERS.environment();
        for (int i = environment.flink().taskManagers().size(); i < PARALLELISM; i++) {
            environment.flink().startTaskManager();
        }
        FaultScenario.run(
                environment,
                SCENARIO + "-2-to-" + resumedParallelism,
                FaultScenario.plan(
                        "prep_rescale_" + resumedParallelism,
                        PARALLELISM,
                        EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of()),
                new KillWhilePreparedAndRescale(resumedParallelism));
    }

    private static long checkpointId(String path) {
        return Long.parseLong(path.substring(path.lastIndexOf("chk-") + 4));
    }

    /**
     * Freezes the TaskManagers with both subtasks' transactions prepared above the newest completed
     * checkpoint, kills them (a paused container dies of SIGKILL without a thaw), cancels the job,
     * and resumes it from its newest retained checkpoint at the other parallelism on as many new
     * TaskManagers.
     */
    private static final class KillWhilePreparedAndRescale extends ContainerFault {

        private final int resumedParallelism;
        private int attempts;
        private List<SinkXid> heldAbove = List.of();
        private long completedAtKill;
        private final List<Long> exitCodes = new ArrayList<>();
        private List<SinkXid> listedBeforeResume = List.of();
        private String resumedFrom;
        private int parallelismBefore;
        private int parallelismAfter;

        KillWhilePreparedAndRescale(int resumedParallelism) {
            this.resumedParallelism = resumedParallelism;
        }

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            ContainerServices services = scenario.environment().services();
            FlinkCluster flink = scenario.environment().flink();
            FlinkRest rest = flink.rest();
            String jobId = job.jobId();
            String prefix = scenario.xidPrefix();
            scenario.awaitUncheckpointedOutput(jobId);
            parallelismBefore = rest.parallelism(jobId);

            PreparedWindow.Caught caught =
                    PreparedWindow.freezeWhilePrepared(
                            services,
                            flink,
                            prefix,
                            ATTEMPTS,
                            held -> {
                                long completed = rest.latestCompletedCheckpointId(jobId);
                                heldAbove =
                                        held.stream()
                                                .filter(x -> x.checkpointId() > completed)
                                                .toList();
                                Set<Integer> subtasks =
                                        heldAbove.stream()
                                                .map(SinkXid::subtask)
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
            await("the old job to be cancelled")
                    .atMost(FaultScenario.WAIT)
                    .ignoreExceptions()
                    .until(() -> Set.of("CANCELED", "FAILED").contains(rest.state(jobId)));
            completedAtKill = rest.latestCompletedCheckpointId(jobId);
            listedBeforeResume = services.preparedXids(prefix);
            resumedFrom = flink.latestRetainedCheckpoint(jobId);
            scenario.say(
                    "TaskManagers killed with "
                            + heldAbove
                            + " prepared above checkpoint "
                            + completedAtKill
                            + "; job cancelled; resuming from "
                            + resumedFrom
                            + " at parallelism "
                            + resumedParallelism);

            for (int i = 0; i < resumedParallelism; i++) {
                flink.startTaskManager();
            }
            ClusterJob resumed =
                    ((ClusterJob) job)
                            .resumeFrom(
                                    resumedFrom,
                                    OptionValues.of(JobOptions.PARALLELISM, resumedParallelism));
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, resumed.jobId(), killedAt);
            parallelismAfter = rest.parallelism(resumed.jobId());
            await("the resumed job to roll back the held transactions")
                    .atMost(FaultScenario.WAIT)
                    .ignoreExceptions()
                    .until(
                            () ->
                                    services.preparedXids(prefix).stream()
                                            .noneMatch(heldAbove::contains));
            return resumed;
        }

        /** Whether the newest completed checkpoint stays {@code completed} for a while. */
        private static boolean staysPending(FlinkRest rest, String jobId, long completed) {
            try {
                await("a checkpoint to complete while frozen")
                        .atMost(STAYS_PENDING)
                        .ignoreExceptions()
                        .until(() -> rest.latestCompletedCheckpointId(jobId) > completed);
                return false;
            } catch (ConditionTimeoutException stillPending) {
                return true;
            }
        }

        @Override
        String outcome() {
            return "caught at attempt "
                    + attempts
                    + "; held above checkpoint "
                    + completedAtKill
                    + ": "
                    + heldAbove
                    + "; resumed from "
                    + resumedFrom
                    + " at parallelism "
                    + parallelismAfter
                    + "; recovery (kill to the resumed job's first"
                    + " checkpoint) "
                    + seconds(recovery);
        }

        @Override
        void assertStruck() {
            assertThat(heldAbove)
                    .as(
                            "XA transactions prepared above the newest completed"
                                    + " checkpoint (%d), by old subtask",
                            completedAtKill)
                    .extracting(SinkXid::subtask)
                    .contains(0, 1);
            assertThat(exitCodes)
                    .as("exit codes of the killed TaskManagers (SIGKILL)")
                    .containsOnly(137L)
                    .hasSizeGreaterThanOrEqualTo(PARALLELISM);
            assertThat(listedBeforeResume)
                    .as("XA RECOVER after the kill, before the resume")
                    .containsAll(heldAbove);
            assertThat(checkpointId(resumedFrom))
                    .as("the checkpoint the job resumed from")
                    .isEqualTo(completedAtKill);
            assertThat(parallelismBefore).isEqualTo(PARALLELISM);
            assertThat(parallelismAfter)
                    .as("parallelism of the resumed job")
                    .isEqualTo(resumedParallelism);
        }
    }
}
