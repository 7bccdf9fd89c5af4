package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;

/**
 * Kills a TaskManager ({@code kill -9}) while output sits in open transactions, starts a
 * replacement and waits for the first checkpoint after the kill: the fault of the scenarios
 * that prove something else (a secured service) still holds across a failure.
 */
final class KillOneTaskManager implements VerifiedRun.Fault {

    private final String scenario;
    private final ContainerEnvironment environment;
    private final VerifiedRun.Plan plan;
    private HardKill.Killed killed;
    private Duration recovery;

    private KillOneTaskManager(
            String scenario, ContainerEnvironment environment, VerifiedRun.Plan plan) {
        this.scenario = scenario;
        this.environment = environment;
        this.plan = plan;
    }

    /**
     * Runs {@code plan} with one TaskManager killed mid-stream, appends the summary line, and
     * asserts that the kill struck and every sink holds exactly what the oracle says.
     */
    static void runExactlyOnce(String scenario, ContainerEnvironment environment,
            VerifiedRun.Plan plan) throws Exception {
        KillOneTaskManager fault = new KillOneTaskManager(scenario, environment, plan);
        FaultScenario.Outcome outcome = FaultScenario.run(environment, scenario, plan, fault);
        FaultSummary.append(scenario, outcome.report(), fault.recovery, environment.startup(),
                outcome.took());

        assertThat(fault.killed).as("the TaskManager kill").isNotNull();
        assertThat(fault.killed.exitCode()).as("exit code of the killed TaskManager")
                .isEqualTo(137);
        FaultScenario.assertExactlyOnce(outcome.report());
    }

    @Override
    public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
        FlinkCluster flink = environment.flink();
        FaultScenario.awaitUncheckpointedOutput(environment, plan, job.jobId());
        killed = flink.kill(flink.taskManagers().get(0));
        flink.startTaskManager();
        recovery = FaultScenario.awaitCheckpointTriggeredAfter(
                flink.rest(), job.jobId(), killed.killedAt().toEpochMilli());
        FaultScenario.say(scenario, "killed " + killed.resourceId() + "; recovered in "
                + recovery.toMillis() / 1000.0 + " s");
        return job;
    }
}
