package io.exactlyonce.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.TestOptions;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class VisitCountJobTest {

    /** The exponential-delay settings as Flink reads them. */
    private record Restarts(
            String strategy,
            Duration initialBackoff,
            Duration maxBackoff,
            double multiplier,
            Duration resetAfter,
            double jitter,
            int attempts) {

        static Restarts setOn(StreamExecutionEnvironment env) {
            ReadableConfig set = env.getConfiguration();
            return new Restarts(
                    set.get(RestartStrategyOptions.RESTART_STRATEGY),
                    set.get(
                            RestartStrategyOptions
                                    .RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF),
                    set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF),
                    set.get(
                            RestartStrategyOptions
                                    .RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER),
                    set.get(
                            RestartStrategyOptions
                                    .RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD),
                    set.get(
                            RestartStrategyOptions
                                    .RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR),
                    set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS));
        }
    }

    private static Restarts configured(String... args) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        VisitCountJob.configure(env, JobSettings.fromArgs(args, Map.of()));
        return Restarts.setOn(env);
    }

    @Test
    void restartsWithABackoffThatResetsAfterAStablePeriod() {
        assertThat(configured(TestOptions.REQUIRED))
                .isEqualTo(
                        new Restarts(
                                "exponential-delay",
                                Duration.ofSeconds(1),
                                Duration.ofMinutes(1),
                                2.0,
                                Duration.ofMinutes(10),
                                0.1,
                                20));
    }

    @Test
    void pinsAlignedCheckpointsAndNoToleratedFailuresAgainstAClusterDefault() {
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        cluster.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 5);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);

        VisitCountJob.configure(env, JobSettings.fromArgs(TestOptions.REQUIRED, Map.of()));

        assertThat(env.getCheckpointConfig().isUnalignedCheckpointsEnabled())
                .as("unaligned checkpoints")
                .isFalse();
        assertThat(env.getCheckpointConfig().getTolerableCheckpointFailureNumber())
                .as("tolerated checkpoint failures")
                .isZero();
    }

    @Test
    void takesTheRestartParametersFromTheOptions() {
        Restarts restarts =
                configured(
                        TestOptions.append(
                                TestOptions.REQUIRED,
                                "--restart.initial-backoff",
                                "500 ms",
                                "--restart.max-backoff",
                                "30 s",
                                "--restart.backoff-multiplier",
                                "1.5",
                                "--restart.reset-after",
                                "5 min",
                                "--restart.jitter",
                                "0",
                                "--restart.attempts",
                                "7"));

        assertThat(restarts)
                .isEqualTo(
                        new Restarts(
                                "exponential-delay",
                                Duration.ofMillis(500),
                                Duration.ofSeconds(30),
                                1.5,
                                Duration.ofMinutes(5),
                                0.0,
                                7));
    }
}
