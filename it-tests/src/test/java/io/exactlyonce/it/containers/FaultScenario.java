package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.Poll;
import io.exactlyonce.testkit.embedded.Infrastructure;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** What the fault scenarios share: the run's plan, the moment to strike, their log lines. */
final class FaultScenario {

    /** Longest wait for any one thing the job is expected to do. */
    static final Duration WAIT = Duration.ofMinutes(2);
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(2);

    private FaultScenario() {}

    /**
     * Seeded traffic of {@code events} at {@code eventsPerSecond}, one window per second of it,
     * so windows fire all along; both sinks exactly-once unless a system property weakens one
     * (then the scenario must fail: that shows it can tell).
     */
    static VerifiedRun.Plan plan(String namePrefix, int parallelism, int events,
            int eventsPerSecond, OptionValues overrides) {
        OptionValues options = OptionValues.of(JobOptions.KAFKA_GUARANTEE,
                        JobOptions.Guarantee.valueOf(
                        System.getProperty("it.kafka.delivery-guarantee", "EXACTLY_ONCE")))
                .with(JobOptions.JDBC_GUARANTEE, JobOptions.Guarantee.valueOf(
                        System.getProperty("it.jdbc.delivery-guarantee", "EXACTLY_ONCE")))
                .with(overrides);
        return new VerifiedRun.Plan(
                namePrefix + "_" + ProcessHandle.current().pid(),
                parallelism,
                VisitTraffic.Settings.forTest(3L, events, Duration.ofSeconds(1))
                        .withWindows(events / eventsPerSecond),
                eventsPerSecond,
                CHECKPOINT_INTERVAL,
                0,
                options);
    }

    /**
     * Waits until the job has completed two checkpoints and a second of traffic has arrived
     * after the last of them: its results sit in open Kafka transactions and unprepared XA
     * branches when the fault strikes.
     */
    static void awaitUncheckpointedOutput(ContainerEnvironment environment,
            VerifiedRun.Plan plan, String jobId) throws Exception {
        FlinkRest rest = environment.flink().rest();
        Poll.until("two completed checkpoints", WAIT,
                () -> rest.completedCheckpoints(jobId) >= 2);
        long atCheckpoint = inputRecords(environment, plan);
        Poll.until("more input after the checkpoint", WAIT,
                () -> inputRecords(environment, plan) >= atCheckpoint + plan.recordsPerSecond());
    }

    /**
     * Waits for the first checkpoint of {@code jobId} triggered after {@code epochMillis} to
     * complete, and returns how long after that moment it completed: the recovery time.
     */
    static Duration awaitCheckpointTriggeredAfter(FlinkRest rest, String jobId, long epochMillis)
            throws InterruptedException {
        AtomicLong completedAt = new AtomicLong();
        Poll.until("a checkpoint completed after the fault", WAIT, () -> {
            rest.firstCompletedTriggeredAfter(jobId, epochMillis)
                    .ifPresent(c -> completedAt.set(c.completedAt()));
            return completedAt.get() > 0;
        });
        return Duration.ofMillis(completedAt.get() - epochMillis);
    }

    /** Records in the run's input topic so far. */
    static long inputRecords(ContainerEnvironment environment, VerifiedRun.Plan plan)
            throws Exception {
        ContainerServices services = environment.services();
        return services.recordsIn(
                VerifiedRun.config(plan, services).inputTopic(), plan.parallelism());
    }

    /** What a scenario's run gave: the verdict, and how long the run took. */
    record Outcome(Verdict.Report report, Duration took) {}

    /** Runs the plan on the scenario's cluster with {@code fault}, and prints the verdict. */
    static Outcome run(ContainerEnvironment environment, String scenario, VerifiedRun.Plan plan,
            VerifiedRun.Fault fault) throws Exception {
        return run(environment.flink().jobRunner(), environment.services(), scenario, plan,
                fault);
    }

    /** Runs the plan with {@code runner} against {@code services}, and prints the verdict. */
    static Outcome run(JobRunner runner, Infrastructure services, String scenario,
            VerifiedRun.Plan plan, VerifiedRun.Fault fault) throws Exception {
        long begin = System.nanoTime();
        Verdict.Report report = VerifiedRun.run(runner, plan, services, fault,
                message -> say(scenario, message));
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        System.out.println(report.table());
        return new Outcome(report, took);
    }

    /**
     * What proves that a TaskManager kill hit the job: no slot was free (the killed TaskManager
     * ran part of it), the process died of SIGKILL, and Flink recorded failures and restored a
     * checkpoint after it.
     */
    static void assertTaskManagerKillHit(int freeSlotsAtKill, HardKill.Killed killed,
            List<String> failures, long restoresBefore, long restoresAfter) {
        assertThat(freeSlotsAtKill).as("free slots when the kill struck: the killed"
                + " TaskManager ran part of the job").isZero();
        assertThat(killed.running()).as("the killed TaskManager still runs").isFalse();
        assertThat(killed.exitCode()).as("exit code of the killed TaskManager (SIGKILL)")
                .isEqualTo(137);
        assertThat(failures).as("job failures Flink recorded after the kill").isNotEmpty();
        assertThat(restoresAfter).as("checkpoint restores (restarts) after the kill")
                .isGreaterThan(restoresBefore);
    }

    /** What every scenario ends with: all paths exercised, every sink exact. */
    static void assertExactlyOnce(Verdict.Report report) {
        assertThat(report.lateEvents()).as("some visits came late").isPositive();
        assertThat(report.deadLetters()).as("bad records were rejected").isPositive();
        assertThat(report.problems()).as(report.table()).isEmpty();
    }

    static void say(String scenario, String message) {
        System.out.println("[" + scenario + " " + LocalTime.now().withNano(0) + "] " + message);
    }
}
