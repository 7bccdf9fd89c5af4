package io.exactlyonce.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.exactlyonce.pipeline.VisitCountJob;
import io.exactlyonce.pipeline.operators.ByUser;
import io.exactlyonce.pipeline.operators.RestoredWatermarkGate;
import io.exactlyonce.pipeline.operators.Visit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore-time window-size check on a real Flink runtime: the job is stopped with a savepoint
 * and resumed with another {@code window.size}. It must fail at once, naming both sizes, and not
 * spend its restart attempts on a refusal that every restore from that savepoint repeats.
 */
class RestoreWithAnotherWindowSizeITCase {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.oneTaskManager(1);

    @TempDir Path savepoints;

    @Test
    void failsTheJobWithoutRestartsAndNamesBothSizes(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        JobID oneMinute = flink.submitJob(job(Duration.ofMinutes(1))).get().getJobID();
        AtomicReference<String> savepoint = new AtomicReference<>();
        // A stop fails until every task runs; ask again until it succeeds.
        await("a savepoint of the one-minute job")
                .atMost(TIMEOUT)
                .ignoreExceptions()
                .until(
                        () -> {
                            savepoint.set(
                                    flink.stopWithSavepoint(
                                                    oneMinute,
                                                    savepoints.toUri().toString(),
                                                    false,
                                                    SavepointFormatType.CANONICAL)
                                            .get());
                            return true;
                        });

        StreamGraph twoMinutes = job(Duration.ofMinutes(2));
        twoMinutes.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint.get()));
        JobID resumed = flink.submitJob(twoMinutes).get().getJobID();
        await("the resumed job to end")
                .atMost(TIMEOUT)
                .ignoreExceptions()
                .until(() -> flink.getJobStatus(resumed).get().isGloballyTerminalState());

        ArchivedExecutionGraph graph = flink.getArchivedExecutionGraph(resumed).get();
        assertThat(graph.getState()).isEqualTo(JobStatus.FAILED);
        assertThat(
                        ExceptionUtils.stringifyException(
                                graph.getFailureInfo()
                                        .getException()
                                        .deserializeError(getClass().getClassLoader())))
                .contains("window.size 1 min", "window.size 2 min");
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            assertThat(vertex.getCurrentExecutionAttempt().getAttemptNumber())
                    .as(
                            "execution attempt of %s: 0 unless the job was restarted",
                            vertex.getTaskNameWithSubtaskIndex())
                    .isZero();
        }
    }

    /** Visits through the gate of the given window size; restarts allowed, as in the job. */
    private static StreamGraph job(Duration windowSize) {
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(restarts);
        env.setParallelism(1);
        env.fromSource(
                        new DataGeneratorSource<>(
                                index ->
                                        new Visit(
                                                "e" + index,
                                                "user-" + index % 5,
                                                index * 1_000L,
                                                0,
                                                index,
                                                new byte[0]),
                                Long.MAX_VALUE,
                                RateLimiterStrategy.perSecond(20),
                                TypeInformation.of(Visit.class)),
                        WatermarkStrategy.<Visit>forMonotonousTimestamps()
                                .withTimestampAssigner((visit, ignored) -> visit.eventTime()),
                        "visits")
                .uid("visits")
                .keyBy(new ByUser())
                .transform(
                        "gate",
                        TypeInformation.of(Visit.class),
                        new RestoredWatermarkGate(windowSize, VisitCountJob.LATE_VISITS))
                .uid("gate")
                .sinkTo(new DiscardingSink<>())
                .uid("discard");
        return env.getStreamGraph();
    }
}
