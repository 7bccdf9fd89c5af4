package io.exactlyonce.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.exactlyonce.pipeline.api.JobConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class VisitCountJobTest {

    private static final String[] REQUIRED = {
        "--kafka.bootstrap-servers", "broker:9092",
        "--schema-registry.url", "http://registry:8081",
        "--jdbc.url", "jdbc:mysql://db:3306/visits",
        "--jdbc.user", "visit_count",
        "--job.id", "shop-eu"
    };

    @Test
    void restartsWithABackoffThatResetsAfterAStablePeriod() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        VisitCountJob.configure(env, JobConfig.fromArgs(REQUIRED, Map.of()));

        ReadableConfig set = env.getConfiguration();
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                .isEqualTo(2.0);
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
                .isEqualTo(Duration.ofMinutes(10));
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR))
                .isEqualTo(0.1);
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(20);
    }

    @Test
    void takesTheRestartParametersFromTheOptions() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(REQUIRED),
                java.util.stream.Stream.of("--restart.initial-backoff", "500 ms",
                        "--restart.max-backoff", "30 s", "--restart.backoff-multiplier", "1.5",
                        "--restart.reset-after", "5 min", "--restart.jitter", "0",
                        "--restart.attempts", "7")).toArray(String[]::new);

        VisitCountJob.configure(env, JobConfig.fromArgs(args, Map.of()));

        ReadableConfig set = env.getConfiguration();
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofMillis(500));
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                .isEqualTo(1.5);
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR))
                .isEqualTo(0.0);
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(7);
    }
}
