package io.exactlyonce.testkit.faults;

import io.exactlyonce.testkit.Poll;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;

/**
 * Loses a TaskManager of an in-JVM MiniCluster while a job runs, as a lost machine or pod
 * would: once the job has completed a number of checkpoints, the TaskManager at an index is
 * terminated (the tasks it ran fail, and the job restarts from its last completed checkpoint),
 * and a replacement is started, as a deployment would, so the job gets its slots back.
 *
 * <p>To be sure the lost TaskManager ran part of the job, give the MiniCluster one slot per
 * TaskManager and the job as many subtasks as there are TaskManagers.
 */
public final class TaskManagerKill {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private TaskManagerKill() {}

    /**
     * Waits for {@code checkpoints} completed checkpoints of {@code job}, kills TaskManager
     * {@code taskManager}, starts a replacement and waits until the job has restored a
     * checkpoint and runs again.
     *
     * @return the id of the checkpoint the job restored
     */
    public static long afterCheckpoints(
            MiniCluster cluster, JobID job, int taskManager, long checkpoints, Duration timeout)
            throws Exception {
        Poll.until(checkpoints + " completed checkpoints of job " + job, timeout, POLL_INTERVAL,
                () -> stats(cluster, job).getCounts().getNumberOfCompletedCheckpoints()
                        >= checkpoints);
        cluster.terminateTaskManager(taskManager).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        cluster.startTaskManager();
        long[] restored = new long[1];
        Poll.until("job " + job + " to restore a checkpoint and run again", timeout,
                POLL_INTERVAL, () -> {
                    RestoredCheckpointStats latest = stats(cluster, job).getLatestRestoredCheckpoint();
                    if (latest == null || graph(cluster, job).getState() != JobStatus.RUNNING) {
                        return false;
                    }
                    restored[0] = latest.getCheckpointId();
                    return true;
                });
        return restored[0];
    }

    private static CheckpointStatsSnapshot stats(MiniCluster cluster, JobID job) throws Exception {
        return graph(cluster, job).getCheckpointStatsSnapshot();
    }

    private static AccessExecutionGraph graph(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get();
    }
}
