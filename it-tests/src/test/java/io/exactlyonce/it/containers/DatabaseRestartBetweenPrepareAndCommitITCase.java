package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.sinks.jdbc.SinkXid;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the database, and a restart, while the XA sink's transactions of a checkpoint
 * are prepared and not yet committed.
 *
 * <p>The window is caught with {@link PreparedWindow}: the TaskManagers are frozen while the
 * transactions are held. The database is killed and started again inside the freeze; the held
 * transactions must survive the restart and then be committed (their checkpoint completed) or
 * rolled back (it did not) by the job, and no window may be lost or counted twice.
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
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "db_prepared", PARALLELISM, EVENTS, EVENTS_PER_SECOND, OptionValues.of()),
                new KillDatabaseWhilePrepared());
    }

    /**
     * Catches a checkpoint's XA transactions between prepare and commit by freezing the
     * TaskManagers, kills and restarts the database inside the freeze, thaws, and waits for the job
     * to resolve the held transactions and complete a checkpoint.
     */
    private static final class KillDatabaseWhilePrepared extends ContainerFault {

        private int attempts;
        private List<SinkXid> held = List.of();
        private List<SinkXid> afterRestart = List.of();
        private Killed killed;
        private Duration frozen;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            ContainerServices services = scenario.environment().services();
            FlinkCluster flink = scenario.environment().flink();
            String prefix = scenario.xidPrefix();
            scenario.awaitUncheckpointedOutput(job.jobId());

            PreparedWindow.Caught caught =
                    PreparedWindow.freezeWhilePrepared(
                            services, flink, prefix, ATTEMPTS, prepared -> true);
            held = caught.held();
            attempts = caught.attempts();
            long frozenAt = caught.frozenAtMillis();
            try {
                scenario.say(
                        "TaskManagers frozen with " + held + " prepared; killing the database");
                killed = services.killMariaDb();
                services.restartMariaDb(FaultScenario.WAIT);
                afterRestart = services.preparedXids(prefix);
            } finally {
                flink.unpauseTaskManagers();
            }
            frozen = Duration.ofMillis(System.currentTimeMillis() - frozenAt);
            scenario.say("database restarted, TaskManagers thawed; prepared now: " + afterRestart);

            long killedAt = killed.killedAt().toEpochMilli();
            recovery =
                    FaultScenario.awaitCheckpointTriggeredAfter(
                            flink.rest(), job.jobId(), killedAt);
            await("the job to commit or roll back the held transactions")
                    .atMost(FaultScenario.WAIT)
                    .ignoreExceptions()
                    .until(() -> services.preparedXids(prefix).stream().noneMatch(held::contains));
            return job;
        }

        @Override
        String outcome() {
            return "window caught at attempt "
                    + attempts
                    + "; held "
                    + held
                    + "; after the restart "
                    + afterRestart
                    + "; TaskManagers frozen "
                    + seconds(frozen)
                    + "; recovery (kill to the next completed checkpoint) "
                    + seconds(recovery);
        }

        @Override
        void assertStruck() {
            assertThat(held)
                    .as(
                            "XA transactions prepared and not committed when the database"
                                    + " was killed")
                    .isNotEmpty();
            assertThat(killed.exitCode())
                    .as("exit code of the killed database (SIGKILL)")
                    .isEqualTo(137);
            assertThat(afterRestart)
                    .as("prepared transactions after the restart: InnoDB" + " recovered them")
                    .containsAll(held);
        }
    }
}
