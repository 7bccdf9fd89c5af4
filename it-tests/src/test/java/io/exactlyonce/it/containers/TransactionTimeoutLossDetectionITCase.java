package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.audit.AuditReport;
import io.exactlyonce.it.containers.FlinkCluster.TaskManager;
import io.exactlyonce.it.containers.HardKill.Killed;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.CommittedRecords;
import io.exactlyonce.testkit.verify.KeyWindow;
import io.exactlyonce.testkit.verify.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job kept down for longer than the Kafka transaction timeout, right after a checkpoint
 * completed and before its Kafka transactions were committed. The broker aborts them when they time
 * out, so their records are lost: two-phase commit holds only while the job comes back within the
 * timeout, which is why the sink settings insist on a generous one. Loss is the expected outcome
 * here. The test asserts that the verifier detects and reports it.
 *
 * <p>The moment is brought about with {@link WithheldCompletion}: the checkpoint completes on the
 * JobManager while the TaskManagers are frozen and its counts transactions are still open on the
 * broker; then both TaskManagers are killed. Before new ones start, the broker must describe those
 * transactions as aborted ({@code COMPLETE_ABORT}, producer epoch bumped): the loss the verifier
 * then reports is the broker's doing, observed, not assumed from the wait.
 */
@Tag("containers")
class TransactionTimeoutLossDetectionITCase {

    private static final String SCENARIO = "job-down-beyond-transaction-timeout-loss-expected";
    private static final int PARALLELISM = 2;

    private static final int EVENTS = 16_000;

    private static final int EVENTS_PER_SECOND = 200;

    /**
     * Short, and still above what the sink settings require: max(checkpoint interval 2 s,
     * checkpoint timeout 10 s + min pause 0.5 s) + checkpoint timeout 10 s + restart max backoff 1
     * s + restart recovery time 3 s = 24.5 s. The recovery time is set low only to pass the rule:
     * this scenario keeps the job down far longer on purpose.
     */
    private static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(25);

    /**
     * Long enough for the checkpoint that {@link WithheldCompletion} holds behind the frozen
     * database and JobManager to complete when they thaw.
     */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(10);

    private static final Duration RESTART_MAX_BACKOFF = Duration.ofSeconds(1);
    private static final Duration RESTART_RECOVERY_TIME = Duration.ofSeconds(3);

    /**
     * Down long enough for the broker to abort: the timeout, plus the broker's check for expired
     * transactions (every 10 s by default), plus a margin.
     */
    private static final Duration DOWN = TRANSACTION_TIMEOUT.plusSeconds(25);

    private static final int ATTEMPTS = 5;

    @RegisterExtension
    static final ContainerEnvironmentExtension CONTAINERS =
            new ContainerEnvironmentExtension(SCENARIO, PARALLELISM);

    @Test
    void jobDownLongerThanTheTransactionTimeoutLosesOutputAndTheVerifierReportsIt()
            throws Exception {
        FaultScenario.run(
                CONTAINERS.environment(),
                SCENARIO,
                FaultScenario.plan(
                        "down_long",
                        PARALLELISM,
                        EVENTS,
                        EVENTS_PER_SECOND,
                        OptionValues.of(JobOptions.TRANSACTION_TIMEOUT, TRANSACTION_TIMEOUT)
                                .with(JobOptions.CHECKPOINT_TIMEOUT, CHECKPOINT_TIMEOUT)
                                .with(JobOptions.RESTART_MAX_BACKOFF, RESTART_MAX_BACKOFF)
                                .with(JobOptions.RESTART_RECOVERY_TIME, RESTART_RECOVERY_TIME)
                                // Restarts fail while no TaskManager is there, at most one a second
                                // (the max backoff): room for the outage plus the heartbeat
                                // timeout.
                                .with(JobOptions.RESTART_ATTEMPTS, 100)),
                new KeepJobDown());
    }

    /**
     * Catches a completed checkpoint whose commits have not run, kills every TaskManager, keeps the
     * job without any for {@link #DOWN}, then starts new ones. The verdict it expects is a loss on
     * the Kafka side.
     */
    private static final class KeepJobDown extends ContainerFault {

        private int attempts;
        private long caughtCheckpoint;
        private List<String> openCounts = List.of();

        /** The newest completed checkpoint the JobManager reported while the freeze held. */
        private long completedWhileFrozen;

        private final List<Long> exitCodes = new ArrayList<>();

        /** The broker's description of {@link #openCounts} right after the kill. */
        private Map<String, TransactionDescription> atKill = Map.of();

        /** The same after the outage, before new TaskManagers could touch them. */
        private Map<String, TransactionDescription> afterOutage = Map.of();

        private Duration down;

        @Override
        JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
                throws Exception {
            ContainerServices services = scenario.environment().services();
            FlinkCluster flink = scenario.environment().flink();
            String jobId = job.jobId();
            scenario.awaitUncheckpointedOutput(jobId);

            WithheldCompletion.Caught caught =
                    WithheldCompletion.catchCompletedUncommitted(
                            services,
                            flink,
                            jobId,
                            VerifiedRun.config(scenario.plan(), services),
                            PARALLELISM,
                            ATTEMPTS,
                            scenario::say);
            caughtCheckpoint = caught.checkpointId();
            openCounts = caught.open();
            completedWhileFrozen = caught.completedWhileFrozen();
            attempts = caught.attempts();
            Instant downSince = Instant.now();
            for (TaskManager taskManager : flink.taskManagers()) {
                Killed killed = flink.kill(taskManager);
                exitCodes.add(killed.exitCode());
            }
            atKill = CommittedRecords.describeTransactions(services.bootstrapServers(), openCounts);
            scenario.say(
                    "checkpoint "
                            + caughtCheckpoint
                            + " completed with "
                            + openCounts
                            + " still open "
                            + atKill.values()
                            + "; every TaskManager killed; down for "
                            + DOWN.toSeconds()
                            + " s");
            await("the outage to outlast the transaction timeout")
                    .atMost(DOWN.plusMinutes(1))
                    .until(() -> Duration.between(downSince, Instant.now()).compareTo(DOWN) >= 0);
            afterOutage =
                    CommittedRecords.describeTransactions(services.bootstrapServers(), openCounts);
            scenario.say("after the outage: " + afterOutage.values());
            for (int i = 0; i < PARALLELISM; i++) {
                flink.startTaskManager();
            }
            down = Duration.between(downSince, Instant.now());
            recovery =
                    FaultScenario.awaitCheckpointTriggeredAfter(
                            flink.rest(), jobId, downSince.toEpochMilli());
            return job;
        }

        @Override
        String outcome() {
            return "caught checkpoint "
                    + caughtCheckpoint
                    + " at attempt "
                    + attempts
                    + "; job down "
                    + seconds(down);
        }

        @Override
        void assertStruck() {
            assertThat(completedWhileFrozen)
                    .as(
                            "newest completed checkpoint while the"
                                    + " TaskManagers were frozen, against the caught one")
                    .isGreaterThanOrEqualTo(caughtCheckpoint)
                    .isPositive();
            assertThat(openCounts)
                    .as(
                            "the counts sink's transactions of the caught checkpoint"
                                    + " that were open when every TaskManager was killed")
                    .isNotEmpty();
            assertThat(exitCodes).containsOnly(137L).hasSize(PARALLELISM);
            assertThat(afterOutage)
                    .as(
                            "the broker's description, after the outage and before"
                                    + " any TaskManager came back, of the transactions open at the kill")
                    .hasSameSizeAs(openCounts)
                    .allSatisfy(
                            (id, after) -> {
                                assertThat(after.state())
                                        .as(id + ": aborted by the broker")
                                        .isEqualTo(TransactionState.COMPLETE_ABORT);
                                assertThat(after.producerEpoch())
                                        .as(
                                                id
                                                        + ": producer epoch, bumped by"
                                                        + " the abort (it was "
                                                        + atKill.get(id).producerEpoch()
                                                        + " at the kill)")
                                        .isGreaterThan(atKill.get(id).producerEpoch());
                            });
        }

        @Override
        boolean audited() {
            return true;
        }

        /**
         * The operator's audit, which knows nothing of the plan, must pinpoint the same windows the
         * verifier found missing from the topic, and nothing else.
         */
        @Override
        void assertAudit(AuditReport audit, Verdict.Report verdict) {
            List<KeyWindow> missingFromTopic = sink(verdict, "kafka").missing();
            assertThat(audit.exitCode())
                    .as("the audit's exit code")
                    .isEqualTo(AuditReport.VIOLATIONS);
            assertThat(audit.findings("kafka"))
                    .as("the audit's findings on the counts topic")
                    .allSatisfy(
                            finding -> assertThat(finding.flaw()).isEqualTo(Verdict.Flaw.MISSING))
                    .extracting(Verdict.Finding::window)
                    .containsExactlyInAnyOrderElementsOf(missingFromTopic);
            assertThat(audit.findings("mysql")).as("the audit's findings in the table").isEmpty();
        }

        private static Verdict.SinkResult sink(Verdict.Report report, String name) {
            return report.sinks().stream()
                    .filter(s -> s.sink().equals(name))
                    .findFirst()
                    .orElseThrow();
        }

        /** Loss is expected: the verifier must report the windows missing from the topic. */
        @Override
        void assertVerdict(Verdict.Report report) {
            Verdict.SinkResult kafka =
                    report.sinks().stream()
                            .filter(s -> s.sink().equals("kafka"))
                            .findFirst()
                            .orElseThrow();
            assertThat(report.exactlyOnce()).as("the verifier reports the loss").isFalse();
            assertThat(kafka.missing()).as("windows lost from the Kafka topic").isNotEmpty();
            assertThat(report.problems())
                    .as("the report names the missing windows")
                    .anyMatch(
                            problem -> problem.startsWith("kafka") && problem.contains("missing"));
        }
    }
}
