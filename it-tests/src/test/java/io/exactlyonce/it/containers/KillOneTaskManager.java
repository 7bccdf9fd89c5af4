package io.exactlyonce.it.containers;

import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Kills a TaskManager ({@code kill -9}) while output sits in open transactions, starts a
 * replacement and waits for the first checkpoint after the kill: the fault of the scenarios
 * that prove something else (a secured service) still holds across a failure.
 */
final class KillOneTaskManager implements VerifiedRun.Fault {

    private final String scenario;
    private final Supplier<ContainerEnvironment> environment;
    private final VerifiedRun.Plan plan;
    private HardKill.Killed killed;
    private Duration recovery;

    KillOneTaskManager(String scenario, Supplier<ContainerEnvironment> environment,
            VerifiedRun.Plan plan) {
        this.scenario = scenario;
        this.environment = environment;
        this.plan = plan;
    }

    @Override
    public JobRunner.SubmittedJob inject(JobRunner.SubmittedJob job) throws Exception {
        FlinkCluster flink = environment.get().flink();
        FaultScenario.awaitUncheckpointedOutput(environment.get(), plan, job.jobId());
        killed = flink.kill(flink.taskManagers().get(0));
        flink.startTaskManager();
        recovery = FaultScenario.awaitCheckpointTriggeredAfter(
                flink.rest(), job.jobId(), killed.killedAt().toEpochMilli());
        FaultScenario.say(scenario, "killed " + killed.resourceId() + "; recovered in "
                + recovery.toMillis() / 1000.0 + " s");
        return job;
    }

    HardKill.Killed killed() {
        return killed;
    }

    /** From the kill to the next completed checkpoint. */
    Duration recovery() {
        return recovery;
    }
}
