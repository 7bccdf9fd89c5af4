package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.ClusterJobRunner.ClusterJob;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stop-with-savepoint while traffic flows ({@code flink stop}, no drain: open windows stay in the
 * savepoint), then {@code flink run -s} of the same job at another parallelism, the way an
 * operator rescales. Keyed window state is redistributed, the Kafka sinks take over the
 * transactional ids of subtasks that no longer exist, and the XA sink those subtasks' XIDs. The
 * input keeps arriving while the job is down, and no window may be lost or counted twice.
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
        VerifiedRun.Plan plan = FaultScenario.plan(
                "rescale", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of());
        StopAndRescale fault = new StopAndRescale(plan);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome = FaultScenario.run(environment, SCENARIO, plan, fault);
        FaultSummary.append(SCENARIO, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());
        FaultScenario.say(SCENARIO, "scenario took " + outcome.took().toSeconds() + " s; down "
                + fault.down.toMillis() / 1000.0 + " s; recovery (stop to the resumed job's first"
                + " checkpoint) " + fault.recovery.toMillis() / 1000.0 + " s; savepoint "
                + fault.savepoint + "; parallelism " + fault.parallelismBefore + " -> "
                + fault.parallelismAfter);

        assertThat(fault.savepoint).as("the savepoint flink stop wrote").contains("savepoint-");
        assertThat(fault.resumedJobId).as("the resumed job is a new job")
                .isNotEqualTo(fault.stoppedJobId);
        assertThat(fault.parallelismBefore).isEqualTo(PARALLELISM);
        assertThat(fault.parallelismAfter).as("parallelism of the resumed job")
                .isEqualTo(RESUMED_PARALLELISM);
        assertThat(fault.inputWhenStopped).as("input records when the job stopped")
                .isPositive().isLessThan(EVENTS);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /** Stops the job with a savepoint mid-stream and resumes it at the other parallelism. */
    private static final class StopAndRescale implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private String stoppedJobId;
        private String resumedJobId;
        private String savepoint;
        private long inputWhenStopped;
        private int parallelismBefore;
        private int parallelismAfter;
        private Duration down;
        private Duration recovery;

        StopAndRescale(VerifiedRun.Plan plan) {
            this.plan = plan;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerEnvironment environment = CONTAINERS.environment();
            FlinkRest rest = environment.flink().rest();
            stoppedJobId = job.jobId();
            FaultScenario.awaitUncheckpointedOutput(environment, plan, stoppedJobId);
            parallelismBefore = rest.parallelism(stoppedJobId);

            long stoppedAt = System.currentTimeMillis();
            savepoint = ((ClusterJob) job).stopWithSavepoint(FaultScenario.WAIT);
            inputWhenStopped = FaultScenario.inputRecords(environment, plan);
            FaultScenario.say(SCENARIO, "stopped " + stoppedJobId + " with savepoint " + savepoint
                    + " at " + inputWhenStopped + " input records");

            ClusterJob resumed = ((ClusterJob) job).resumeFrom(savepoint,
                    OptionValues.of(JobOptions.PARALLELISM, RESUMED_PARALLELISM));
            resumedJobId = resumed.jobId();
            down = Duration.ofMillis(System.currentTimeMillis() - stoppedAt);
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(rest, resumedJobId, stoppedAt);
            parallelismAfter = rest.parallelism(resumedJobId);
            return resumed;
        }
    }
}
