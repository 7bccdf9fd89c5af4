package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kill -9} of the (only) Kafka broker while traffic flows and the job runs, kept down until
 * Flink reports that a checkpoint failed or the job failed over, then {@code docker start} of the
 * same container with its data. The job must get past the outage without losing or duplicating a
 * window, and leave no Kafka transaction open and no XA branch prepared.
 */
@Tag("containers")
class BrokerKillITCase {

    private static final String SCENARIO = "broker-kill-9";
    private static final int PARALLELISM = 2;

    /** As in {@link TaskManagerKillITCase}: a minute of traffic, one window per second. */
    private static final int EVENTS = 12_000;

    private static final int EVENTS_PER_SECOND = 200;

    /**
     * With the broker gone, the Kafka sinks cannot flush their transactions, so a checkpoint hangs
     * until it times out. Above the interval, and well above a healthy checkpoint here, but short,
     * so that the outage (and the producer's wait) stays bounded.
     */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(15);

    private static final Duration WAIT = FaultScenario.WAIT;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void killMinus9OfTheBrokerMidStreamNeitherLosesNorDuplicates() throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "broker_kill",
                        PARALLELISM,
                        EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT)),
                new KillBroker());
    }

    /**
     * Waits until the job has output that no completed checkpoint covers yet, kills the broker,
     * keeps it down until Flink reports a failed checkpoint or a restart, starts the same container
     * again, and waits for the first checkpoint that completes after that.
     */
    private static final class KillBroker extends ContainerFault {

        private Killed killed;
        private long inputBeforeKill;
        private String clusterIdBeforeKill;
        private String clusterIdAfterRestart;
        private String containerAfterRestart;
        private Instant startedAfterRestart;
        private final JobFailures counted = new JobFailures();

        /** From the kill to {@code docker start}. */
        private Duration down;

        private long recoveredAt;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            ContainerServices kafka = scenario.environment().services();
            FlinkRest rest = scenario.environment().flink().rest();
            String jobId = job.jobId();
            scenario.awaitUncheckpointedOutput(jobId);
            clusterIdBeforeKill = kafka.kafkaClusterId();
            counted.countBefore(rest, jobId);
            inputBeforeKill = scenario.inputRecords();

            killed = kafka.killKafka();
            long killedAt = killed.killedAt().toEpochMilli();
            scenario.say(
                    "killed the broker (container "
                            + killed.containerId().substring(0, 12)
                            + ", exit code "
                            + killed.exitCode()
                            + ") with "
                            + inputBeforeKill
                            + " input records produced");

            // The outage lasts until the job has noticed it: a checkpoint failed (it could not
            // flush its Kafka transactions) or the job failed over, and at least one checkpoint
            // interval passed.
            await("a failed checkpoint or a restart while the broker is down")
                    .atMost(WAIT)
                    .ignoreExceptions()
                    .until(
                            () ->
                                    Duration.between(killed.killedAt(), Instant.now())
                                                            .compareTo(
                                                                    FaultScenario
                                                                            .CHECKPOINT_INTERVAL)
                                                    > 0
                                            && (rest.failedCheckpoints(jobId) > counted.failedBefore
                                                    || rest.restores(jobId)
                                                            > counted.restoresBefore));
            long failedWhileDown = rest.failedCheckpoints(jobId);
            long restoresWhileDown = rest.restores(jobId);
            down = Duration.between(killed.killedAt(), Instant.now());
            scenario.say(
                    "Flink noticed after "
                            + seconds(down)
                            + ": failed checkpoints "
                            + counted.failedBefore
                            + " -> "
                            + failedWhileDown
                            + ", restores "
                            + counted.restoresBefore
                            + " -> "
                            + restoresWhileDown
                            + "; starting the broker again");

            kafka.restartKafka(WAIT);
            containerAfterRestart = kafka.kafkaContainerId();
            startedAfterRestart = kafka.kafkaStartedAt();
            clusterIdAfterRestart = kafka.kafkaClusterId();
            scenario.say(
                    "broker answers again, "
                            + seconds(Duration.between(killed.killedAt(), Instant.now()))
                            + " after the kill");

            long restartedAt = startedAfterRestart.toEpochMilli();
            AtomicLong completedAt = new AtomicLong();
            await("a checkpoint completed after the broker restarted")
                    .atMost(WAIT)
                    .ignoreExceptions()
                    .until(
                            () -> {
                                rest.firstCompletedAfter(jobId, killedAt, restartedAt)
                                        .ifPresent(c -> completedAt.set(c.completedAt()));
                                return completedAt.get() > 0;
                            });
            recoveredAt = completedAt.get();
            recovery = Duration.ofMillis(recoveredAt - killedAt);
            counted.countAfter(rest, jobId, killedAt);
            return job;
        }

        @Override
        String outcome() {
            return "broker held down "
                    + seconds(down)
                    + "; recovery (kill to the next completed"
                    + " checkpoint after the restart) "
                    + seconds(recovery)
                    + "; "
                    + counted;
        }

        @Override
        void assertStruck() {
            assertThat(killed.running()).as("the killed broker still runs").isFalse();
            assertThat(killed.exitCode())
                    .as("exit code of the killed broker (SIGKILL)")
                    .isEqualTo(137);
            assertThat(inputBeforeKill)
                    .as("input records in the topic just before the kill")
                    .isPositive()
                    .isLessThan(EVENTS);
            assertThat(containerAfterRestart)
                    .as("the restarted broker is the same container")
                    .isEqualTo(killed.containerId());
            assertThat(startedAfterRestart)
                    .as("start time of the restarted broker")
                    .isAfter(killed.startedAt());
            assertThat(clusterIdAfterRestart)
                    .as("the restarted broker kept its storage")
                    .isEqualTo(clusterIdBeforeKill);
            assertThat(down)
                    .as("time the broker was down, against the checkpoint interval")
                    .isGreaterThan(FaultScenario.CHECKPOINT_INTERVAL);
            assertThat(
                            counted.failedAfter > counted.failedBefore
                                    || counted.restoresAfter > counted.restoresBefore)
                    .as(
                            "a checkpoint failed or the job restarted while the broker was down: %s",
                            counted)
                    .isTrue();
            assertThat(recoveredAt)
                    .as("the next completed checkpoint came after the restart")
                    .isGreaterThanOrEqualTo(startedAfterRestart.toEpochMilli());
        }
    }
}
