package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the (only) Kafka broker while traffic flows and the job runs, kept down
 * until Flink reports that a checkpoint failed or the job failed over, then {@code docker start}
 * of the same container with its data. The job must get past the outage without losing or
 * duplicating a window, and leave no Kafka transaction open and no XA branch prepared.
 */
@Tag("containers")
class BrokerKillITCase {

    private static final String SCENARIO = "broker-kill-9";
    private static final int PARALLELISM = 2;
    /** As in {@link TaskManagerKillITCase}: a minute of traffic, one window per second. */
    private static final int EVENTS = 12_000;
    private static final int EVENTS_PER_SECOND = 200;
    /**
     * With the broker gone, the Kafka sinks cannot flush their transactions, so a checkpoint
     * hangs until it times out. Above the interval, and well above a healthy checkpoint here,
     * but short, so that the outage (and the producer's wait) stays bounded.
     */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration WAIT = FaultScenario.WAIT;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void killMinus9OfTheBrokerMidStreamNeitherLosesNorDuplicates() throws Exception {
        VerifiedRun.Plan plan = FaultScenario.plan("broker_kill", PARALLELISM, EVENTS,
                EVENTS_PER_SECOND,
                OptionValues.of(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT));
        KillBroker fault = new KillBroker(plan);
        ContainerEnvironment environment = CONTAINERS.environment();

        FaultScenario.Outcome outcome = FaultScenario.run(environment, SCENARIO, plan, fault);
        Duration scenario = outcome.took();
        FaultSummary.append(
                SCENARIO, outcome.report(), fault.recovery, environment.startup(), scenario);
        say("scenario took " + scenario.toSeconds() + " s; broker held down " + fault.down.toMillis()
                / 1000.0 + " s; recovery (kill to the next completed checkpoint after the"
                + " restart) " + fault.recovery.toMillis() / 1000.0 + " s; failed checkpoints "
                + fault.failedBefore + " -> " + fault.failedAfter + "; restores "
                + fault.restoresBefore + " -> " + fault.restoresAfter + "; failures "
                + fault.failures);

        assertThat(fault.killed.running()).as("the killed broker still runs").isFalse();
        assertThat(fault.killed.exitCode()).as("exit code of the killed broker (SIGKILL)")
                .isEqualTo(137);
        assertThat(fault.inputBeforeKill).as("input records in the topic just before the kill")
                .isPositive().isLessThan(EVENTS);
        assertThat(fault.containerAfterRestart).as("the restarted broker is the same container")
                .isEqualTo(fault.killed.containerId());
        assertThat(fault.startedAfterRestart).as("start time of the restarted broker")
                .isAfter(fault.killed.startedAt());
        assertThat(fault.clusterIdAfterRestart).as("the restarted broker kept its storage")
                .isEqualTo(fault.clusterIdBeforeKill);
        assertThat(fault.down).as("time the broker was down, against the checkpoint interval")
                .isGreaterThan(FaultScenario.CHECKPOINT_INTERVAL);
        assertThat(fault.failedAfter > fault.failedBefore
                        || fault.restoresAfter > fault.restoresBefore)
                .as("a checkpoint failed (%d -> %d) or the job restarted (%d -> %d) while the"
                                + " broker was down", fault.failedBefore, fault.failedAfter,
                        fault.restoresBefore, fault.restoresAfter)
                .isTrue();
        assertThat(fault.recoveredAt).as("the next completed checkpoint came after the restart")
                .isGreaterThanOrEqualTo(fault.startedAfterRestart.toEpochMilli());
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    /**
     * Waits until the job has output that no completed checkpoint covers yet, kills the broker,
     * keeps it down until Flink reports a failed checkpoint or a restart, starts the same
     * container again, and waits for the first checkpoint that completes after that. Records
     * what proves that the fault happened.
     */
    private static final class KillBroker implements VerifiedRun.Fault {

        private final VerifiedRun.Plan plan;
        private Killed killed;
        private long inputBeforeKill;
        private String clusterIdBeforeKill;
        private String clusterIdAfterRestart;
        private String containerAfterRestart;
        private Instant startedAfterRestart;
        private long failedBefore;
        private long failedAfter;
        private long restoresBefore;
        private long restoresAfter;
        private List<String> failures;
        /** From the kill to {@code docker start}. */
        private Duration down;
        private long recoveredAt;
        private Duration recovery;

        KillBroker(VerifiedRun.Plan plan) {
            this.plan = plan;
        }

        @Override
        public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
            ContainerServices kafka = CONTAINERS.environment().services();
            FlinkRest rest = CONTAINERS.environment().flink().rest();
            String jobId = job.jobId();
            FaultScenario.awaitUncheckpointedOutput(CONTAINERS.environment(), plan, jobId);
            clusterIdBeforeKill = kafka.kafkaClusterId();
            failedBefore = rest.failedCheckpoints(jobId);
            restoresBefore = rest.restores(jobId);
            inputBeforeKill = FaultScenario.inputRecords(CONTAINERS.environment(), plan);

            killed = kafka.killKafka();
            long killedAt = killed.killedAt().toEpochMilli();
            say("killed the broker (container " + killed.containerId().substring(0, 12)
                    + ", exit code " + killed.exitCode() + ") with " + inputBeforeKill
                    + " input records produced");

            // The outage lasts until the job has noticed it: a checkpoint failed (it could not
            // flush its Kafka transactions) or the job failed over, and at least one checkpoint
            // interval passed.
            Poll.until("a failed checkpoint or a restart while the broker is down", WAIT,
                    () -> Duration.between(killed.killedAt(), Instant.now())
                                    .compareTo(FaultScenario.CHECKPOINT_INTERVAL) > 0
                            && (rest.failedCheckpoints(jobId) > failedBefore
                                    || rest.restores(jobId) > restoresBefore));
            long failedWhileDown = rest.failedCheckpoints(jobId);
            long restoresWhileDown = rest.restores(jobId);
            down = Duration.between(killed.killedAt(), Instant.now());
            say("Flink noticed after " + down.toMillis() / 1000.0 + " s: failed checkpoints "
                    + failedBefore + " -> " + failedWhileDown + ", restores " + restoresBefore
                    + " -> " + restoresWhileDown + "; starting the broker again");

            kafka.restartKafka(WAIT);
            containerAfterRestart = kafka.kafkaContainerId();
            startedAfterRestart = kafka.kafkaStartedAt();
            clusterIdAfterRestart = kafka.kafkaClusterId();
            say("broker answers again, " + Duration.between(killed.killedAt(), Instant.now())
                    .toMillis() / 1000.0 + " s after the kill");

            long restartedAt = startedAfterRestart.toEpochMilli();
            AtomicLong completedAt = new AtomicLong();
            Poll.until("a checkpoint completed after the broker restarted", WAIT, () -> {
                rest.firstCompletedAfter(jobId, killedAt, restartedAt)
                        .ifPresent(c -> completedAt.set(c.completedAt()));
                return completedAt.get() > 0;
            });
            recoveredAt = completedAt.get();
            recovery = Duration.ofMillis(recoveredAt - killedAt);
            failedAfter = rest.failedCheckpoints(jobId);
            restoresAfter = rest.restores(jobId);
            failures = rest.failuresSince(jobId, killedAt);
            return job;
        }
    }

    private static void say(String message) {
        FaultScenario.say(SCENARIO, message);
    }
}
