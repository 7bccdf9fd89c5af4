package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stop-with-savepoint while traffic flows ({@code flink stop}, no drain: open windows stay in the
 * savepoint), then {@code flink run -s} of the same job at another parallelism, the way an operator
 * rescales. Keyed window state is redistributed, the Kafka sinks take over the transactional ids of
 * subtasks that no longer exist, and the XA sink those subtasks' XIDs. The input keeps arriving
 * while the job is down, and no window may be lost or counted twice.
 */
@Tag("containers")
class SavepointRescaleITCase {

    private static final String SCENARIO = "savepoint-rescale-2-to-1";
    private static final int PARALLELISM = 2;
    private static final int RESUMED_PARALLELISM = 1;
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void stopWithSavepointAndResumeAtAnotherParallelismNeitherLosesNorDuplicates()
            throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "rescale", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of()),
                new StopAndRescale());
    }

    /** Stops the job with a savepoint mid-stream and resumes it at the other parallelism. */
    private static final class StopAndRescale extends ContainerFault {

        private String stoppedJobId;
        private String resumedJobId;
        private String savepoint;
        private long inputWhenStopped;
        private int parallelismBefore;
        private int parallelismAfter;
        private Duration down;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            FlinkRest rest = scenario.environment().flink().rest();
            stoppedJobId = job.jobId();
            scenario.awaitUncheckpointedOutput(stoppedJobId);
            parallelismBefore = rest.parallelism(stoppedJobId);

            long stoppedAt = System.currentTimeMillis();
            savepoint = ((ClusterJob) job).stopWithSavepoint(FaultScenario.WAIT);
            inputWhenStopped = scenario.inputRecords();
            scenario.say(
                    "stopped "
                            + stoppedJobId
                            + " with savepoint "
                            + savepoint
                            + " at "
                            + inputWhenStopped
                            + " input records");

            ClusterJob resumed =
                    ((ClusterJob) job)
                            .resumeFrom(
                                    savepoint,
                                    OptionValues.of(JobOptions.PARALLELISM, RESUMED_PARALLELISM));
            resumedJobId = resumed.jobId();
            down = Duration.ofMillis(System.currentTimeMillis() - stoppedAt);
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, resumedJobId, stoppedAt);
            parallelismAfter = rest.parallelism(resumedJobId);
            return resumed;
        }

        @Override
        String outcome() {
            return "down "
                    + seconds(down)
                    + "; recovery (stop to the resumed job's first"
                    + " checkpoint) "
                    + seconds(recovery)
                    + "; savepoint "
                    + savepoint
                    + "; parallelism "
                    + parallelismBefore
                    + " -> "
                    + parallelismAfter;
        }

        @Override
        void assertStruck() {
            assertThat(savepoint).as("the savepoint flink stop wrote").contains("savepoint-");
            assertThat(resumedJobId).as("the resumed job is a new job").isNotEqualTo(stoppedJobId);
            assertThat(parallelismBefore).isEqualTo(PARALLELISM);
            assertThat(parallelismAfter)
                    .as("parallelism of the resumed job")
                    .isEqualTo(RESUMED_PARALLELISM);
            assertThat(inputWhenStopped)
                    .as("input records when the job stopped")
                    .isPositive()
                    .isLessThan(EVENTS);
        }
    }
}
