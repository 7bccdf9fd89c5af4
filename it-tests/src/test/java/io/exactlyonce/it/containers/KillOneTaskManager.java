package io.exactlyonce.it.containers;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.testkit.run.JobRunner;
import io.exactlyonce.testkit.run.VerifiedRun;

/**
 * Kills a TaskManager ({@code kill -9}) while output sits in open transactions, starts a
 * replacement and waits for the first checkpoint after the kill: the fault of the scenarios that
 * prove something else (a secured service) still holds across a failure.
 */
final class KillOneTaskManager extends ContainerFault {

    private HardKill.Killed killed;

    /**
     * Runs {@code plan} with one TaskManager killed mid-stream ({@link FaultScenario#run}): the
     * summary line, the kill's proof, and every sink holding exactly what the oracle says.
     */
    static void runExactlyOnce(
            String scenario, ContainerEnvironment environment, VerifiedRun.Plan plan)
            throws Exception {
        FaultScenario.run(environment, scenario, plan, new KillOneTaskManager());
    }

    @Override
    JobRunner.SubmittedJob inject(FaultScenario scenario, JobRunner.SubmittedJob job)
            throws Exception {
        FlinkCluster flink = scenario.environment().flink();
        scenario.awaitUncheckpointedOutput(job.jobId());
        killed = flink.kill(flink.taskManagers().get(0));
        flink.startTaskManager();
        recovery =
                FaultScenario.awaitCheckpointTriggeredAfter(
                        flink.rest(), job.jobId(), killed.killedAt().toEpochMilli());
        return job;
    }

    @Override
    String outcome() {
        return "killed " + killed.resourceId() + "; recovered in " + seconds(recovery);
    }

    @Override
    void assertStruck() {
        assertThat(killed).as("the TaskManager kill").isNotNull();
        assertThat(killed.exitCode()).as("exit code of the killed TaskManager").isEqualTo(137);
    }
}
