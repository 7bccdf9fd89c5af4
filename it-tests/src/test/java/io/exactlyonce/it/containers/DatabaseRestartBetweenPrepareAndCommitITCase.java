package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.sinks.jdbc.SinkXid;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the database, and a restart, while the XA sink's transactions of a
 * checkpoint are prepared and not yet committed.
 *
 * <p>The window is caught with {@link PreparedWindow}: the TaskManagers are frozen while the
 * transactions are held. The database is killed and started
 * again inside the freeze; the held transactions must survive the restart and then be committed
 * (their checkpoint completed) or rolled back (it did not) by the job, and no window may be lost
 * or counted twice.
 */
@Tag("containers")
class DatabaseRestartBetweenPrepareAndCommitITCase {

    private static final String SCENARIO = "database-kill-9-between-xa-prepare-and-commit";
    private static final int PARALLELISM = 2;
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;
    /** Checkpoints tried before giving up on catching one between prepare and commit. */
    private static final int ATTEMPTS = 30;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void databaseKilledBetweenXaPrepareAndCommitNeitherLosesNorDuplicates() throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan("db_prepared", PARALLELISM, EVENTS,
                EVENTS_PER_SECOND, OptionValues.of());
        KillDatabaseWhilePrepared fault = new KillDatabaseWhilePrepared(plan);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome = FaultScenario.run(environment, SCENARIO, plan, fault);
        FaultSummary.append(SCENARIO, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());
        FaultScenario.say(SCENARIO, "scenario took " + outcome.took().toSeconds() + " s; window"
                + " caught at attempt " + fault.attempts + "; held " + fault.held
                + "; after the restart " + fault.afterRestart + "; TaskManagers frozen "
                + fault.frozen.toMillis() / 1000.0 + " s; recovery (kill to the next completed"
                + " checkpoint) " + fault.recovery.toMillis() / 1000.0 + " s");

        assertThat(fault.held).as("XA transactions prepared and not committed when the database"
                + " was killed").isNotEmpty();
        assertThat(fault.killed.exitCode()).as("exit code of the killed database (SIGKILL)")
                .isEqualTo(137);
        assertThat(fault.afterRestart).as("prepared transactions after the restart: InnoDB"
                + " recovered them").containsAll(fault.held);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * Catches a checkpoint's XA transactions between prepare and commit by freezing the
     * TaskManagers, kills and restarts the database inside the freeze, thaws, and waits for the
     * job to resolve the held transactions and complete a checkpoint.
     */
    private static final class KillDatabaseWhilePrepared implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private int attempts;
        private List<SinkXid> held = List.of();
        private List<SinkXid> afterRestart = List.of();
        private Killed killed;
        private Duration frozen;
        private Duration recovery;

        KillDatabaseWhilePrepared(VerifiedRun.Plan plan) {
            this.plan = plan;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerEnvironment environment = CONTAINERS.environment();
            ContainerServices services = environment.services();
            FlinkCluster flink = environment.flink();
            String prefix = VerifiedRun.config(plan, services).countsToDatabase().xidPrefix();
            FaultScenario.awaitUncheckpointedOutput(environment, plan, job.jobId());

            PreparedWindow.Caught caught = PreparedWindow.freezeWhilePrepared(
                    services, flink, prefix, ATTEMPTS, prepared -> true);
            held = caught.held();
            attempts = caught.attempts();
            long frozenAt = caught.frozenAtMillis();
            try {
                FaultScenario.say(SCENARIO, "TaskManagers frozen with " + held
                        + " prepared; killing the database");
                killed = services.killMariaDb();
                services.restartMariaDb(FaultScenario.WAIT);
                afterRestart = services.preparedXids(prefix);
            } finally {
                flink.unpauseTaskManagers();
            }
            frozen = Duration.ofMillis(System.currentTimeMillis() - frozenAt);
            FaultScenario.say(SCENARIO, "database restarted, TaskManagers thawed; prepared now: "
                    + afterRestart);

            long killedAt = killed.killedAt().toEpochMilli();
            recovery = FaultScenario.awaitCheckpointTriggeredAfter(
                    flink.rest(), job.jobId(), killedAt);
            Poll.until("the job to commit or roll back the held transactions",
                    FaultScenario.WAIT, () -> services.preparedXids(prefix).stream()
                            .noneMatch(held::contains));
            return job;
        }
    }
}
