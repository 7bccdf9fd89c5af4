package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.OptionValues;
import io.exactlyonce.testkit.embedded.Infrastructure;
import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import io.exactlyonce.testkit.verify.Verdict;
import io.exactlyonce.testkit.verify.VisitTraffic;
import java.time.Duration;
import java.time.LocalTime;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The template of the container fault scenarios. A scenario states its plan and its fault with the
 * proof that the fault struck ({@link ContainerFault}); {@link #run} does the rest the same way for
 * each: the verified run, the summary line, the proof, then the verdict. A fault gets the running
 * scenario, with the moment to strike and the scenario's log.
 */
final class FaultScenario {

    /** Longest wait for any one thing the job is expected to do. */
    static final Duration WAIT = Duration.ofMinutes(2);

    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(2);

    private final String name;
    private final VerifiedRun.Plan plan;

    /** Null on a cluster that is not a {@link ContainerEnvironment}, e.g. the compose one. */
    private final ContainerEnvironment environment;

    private FaultScenario(String name, VerifiedRun.Plan plan, ContainerEnvironment environment) {
        this.name = name;
        this.plan = plan;
        this.environment = environment;
    }

    /**
     * Seeded traffic of {@code events} at {@code eventsPerSecond}, one window per second of it, so
     * windows fire all along; both sinks exactly-once unless a system property weakens one (then
     * the scenario must fail: that shows it can tell).
     */
    static VerifiedRun.Plan plan(
            String namePrefix,
            int parallelism,
            int events,
            int eventsPerSecond,
            OptionValues overrides) {
        OptionValues options =
                OptionValues.of(
                                JobOptions.KAFKA_GUARANTEE,
                                JobOptions.Guarantee.valueOf(
                                        System.getProperty(
                                                "it.kafka.delivery-guarantee", "EXACTLY_ONCE")))
                        .with(
                                JobOptions.JDBC_GUARANTEE,
                                JobOptions.Guarantee.valueOf(
                                        System.getProperty(
                                                "it.jdbc.delivery-guarantee", "EXACTLY_ONCE")))
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
     * Runs {@code plan} on the scenario's containers with {@code fault} while the traffic flows;
     * then appends the summary line, logs the fault's outcome, and asserts that the fault struck
     * and the verdict.
     */
    static void run(
            ContainerEnvironment environment,
            String name,
            VerifiedRun.Plan plan,
            ContainerFault fault)
            throws Exception {
        run(
                new FaultScenario(name, plan, environment),
                environment.flink().jobRunner(),
                environment.services(),
                environment.startup(),
                fault);
    }

    /** The same on another cluster, which {@code runner} submits to and {@code services} are of. */
    static void run(
            JobRunner runner,
            Infrastructure services,
            Duration startup,
            String name,
            VerifiedRun.Plan plan,
            ContainerFault fault)
            throws Exception {
        run(new FaultScenario(name, plan, null), runner, services, startup, fault);
    }

    private static void run(
            FaultScenario scenario,
            JobRunner runner,
            Infrastructure services,
            Duration startup,
            ContainerFault fault)
            throws Exception {
        long begin = System.nanoTime();
        Verdict.Report report =
                VerifiedRun.run(
                        runner,
                        scenario.plan,
                        services,
                        job -> fault.inject(scenario, job),
                        scenario::say);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        System.out.println(report.table());
        FaultSummary.append(scenario.name, report, fault.recoveries(), startup, took);
        scenario.say("scenario took " + took.toSeconds() + " s; " + fault.outcome());
        fault.assertStruck();
        fault.assertVerdict(report);
        if (fault.audited()) {
            fault.assertAudit(OperatorAudit.of(scenario, services), report);
        }
    }

    String name() {
        return name;
    }

    VerifiedRun.Plan plan() {
        return plan;
    }

    ContainerEnvironment environment() {
        if (environment == null) {
            throw new IllegalStateException(name + " runs on a cluster of its own");
        }
        return environment;
    }

    void say(String message) {
        say(name, message);
    }

    /**
     * Waits until the job has completed two checkpoints and a second of traffic has arrived after
     * the last of them: its results sit in open Kafka transactions and unprepared XA branches when
     * the fault strikes.
     */
    void awaitUncheckpointedOutput(String jobId) throws Exception {
        FlinkRest rest = environment().flink().rest();
        await("two completed checkpoints")
                .atMost(WAIT)
                .ignoreExceptions()
                .until(() -> rest.completedCheckpoints(jobId) >= 2);
        long atCheckpoint = inputRecords();
        await("more input after the checkpoint")
                .atMost(WAIT)
                .ignoreExceptions()
                .until(() -> inputRecords() >= atCheckpoint + plan.recordsPerSecond());
    }

    /**
     * Waits for the first checkpoint of {@code jobId} triggered after {@code epochMillis} to
     * complete, and returns how long after that moment it completed: the recovery time.
     */
    static Duration awaitCheckpointTriggeredAfter(FlinkRest rest, String jobId, long epochMillis) {
        AtomicLong completedAt = new AtomicLong();
        await("a checkpoint completed after the fault")
                .atMost(WAIT)
                .ignoreExceptions()
                .until(
                        () -> {
                            rest.firstCompletedTriggeredAfter(jobId, epochMillis)
                                    .ifPresent(c -> completedAt.set(c.completedAt()));
                            return completedAt.get() > 0;
                        });
        return Duration.ofMillis(completedAt.get() - epochMillis);
    }

    /** Records in the run's input topic so far. */
    long inputRecords() throws Exception {
        ContainerServices services = environment().services();
        return services.recordsIn(
                VerifiedRun.config(plan, services).inputTopic(), plan.parallelism());
    }

    /** The prefix of the XIDs the run's XA sink prepares. */
    String xidPrefix() {
        return VerifiedRun.config(plan, environment().services()).countsToDatabase().xidPrefix();
    }

    /**
     * What proves that a TaskManager kill hit the job: no slot was free (the killed TaskManager ran
     * part of it), the process died of SIGKILL, and Flink recorded failures and restored a
     * checkpoint after it.
     */
    static void assertTaskManagerKillHit(
            int freeSlotsAtKill, HardKill.Killed killed, JobFailures counted) {
        assertThat(freeSlotsAtKill)
                .as(
                        "free slots when the kill struck: the killed"
                                + " TaskManager ran part of the job")
                .isZero();
        assertThat(killed.running()).as("the killed TaskManager still runs").isFalse();
        assertThat(killed.exitCode())
                .as("exit code of the killed TaskManager (SIGKILL)")
                .isEqualTo(137);
        assertThat(counted.failures).as("job failures Flink recorded after the kill").isNotEmpty();
        assertThat(counted.restoresAfter)
                .as("checkpoint restores (restarts) after the kill")
                .isGreaterThan(counted.restoresBefore);
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
