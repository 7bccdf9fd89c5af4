package io.exactlyonce.testkit.faults;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;

/**
 * Loses a TaskManager of an in-JVM MiniCluster while a job runs, as a lost machine or pod would:
 * once the job has completed a number of checkpoints, the TaskManager at an index is terminated
 * (the tasks it ran fail, and the job restarts from its last completed checkpoint), and a
 * replacement is started, as a deployment would, so the job gets its slots back.
 *
 * <p>To be sure the lost TaskManager ran part of the job, give the MiniCluster one slot per
 * TaskManager and the job as many subtasks as there are TaskManagers. A test composes the steps:
 * await checkpoints while traffic flows, kill between two checkpoints, await the restore.
 */
public final class TaskManagerKill {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private TaskManagerKill() {}

    /** Waits until {@code job} has completed {@code checkpoints} checkpoints in all. */
    public static void awaitCompletedCheckpoints(
            MiniCluster cluster, JobID job, long checkpoints, Duration timeout) throws Exception {
        await(checkpoints + " completed checkpoints of job " + job)
                .atMost(timeout)
                .pollInterval(POLL_INTERVAL)
                .ignoreExceptions()
                .until(
                        () ->
                                stats(cluster, job).getCounts().getNumberOfCompletedCheckpoints()
                                        >= checkpoints);
    }

    /**
     * Waits until {@code job} has completed {@code checkpoints} checkpoints and its newest
     * completed checkpoint is {@code age} old. What the job wrote since is in transactions that no
     * completed checkpoint covers: a kill then leaves them to recovery, which must roll them back
     * and write their records again. Keep {@code age} below the checkpoint interval, or the next
     * checkpoint may always complete first.
     */
    public static void awaitNewestCheckpointAge(
            MiniCluster cluster, JobID job, long checkpoints, Duration age, Duration timeout)
            throws Exception {
        await(
                        "job "
                                + job
                                + " to be "
                                + age
                                + " past its newest of "
                                + checkpoints
                                + " completed checkpoints")
                .atMost(timeout)
                .pollInterval(POLL_INTERVAL)
                .ignoreExceptions()
                .until(
                        () -> {
                            CheckpointStatsSnapshot stats = stats(cluster, job);
                            CompletedCheckpointStats newest =
                                    stats.getHistory().getLatestCompletedCheckpoint();
                            return stats.getCounts().getNumberOfCompletedCheckpoints()
                                            >= checkpoints
                                    && newest != null
                                    && System.currentTimeMillis() - newest.getLatestAckTimestamp()
                                            >= age.toMillis();
                        });
    }

    /** Terminates TaskManager {@code taskManager} and starts a replacement. */
    public static void kill(MiniCluster cluster, int taskManager, Duration timeout)
            throws Exception {
        cluster.terminateTaskManager(taskManager).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        cluster.startTaskManager();
    }

    /**
     * Waits until {@code job} has restored a checkpoint and runs again.
     *
     * @return the id of the checkpoint it restored
     */
    public static long awaitRestored(MiniCluster cluster, JobID job, Duration timeout)
            throws Exception {
        long[] restored = new long[1];
        await("job " + job + " to restore a checkpoint and run again")
                .atMost(timeout)
                .pollInterval(POLL_INTERVAL)
                .ignoreExceptions()
                .until(
                        () -> {
                            RestoredCheckpointStats latest =
                                    stats(cluster, job).getLatestRestoredCheckpoint();
                            if (latest == null
                                    || graph(cluster, job).getState() != JobStatus.RUNNING) {
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
