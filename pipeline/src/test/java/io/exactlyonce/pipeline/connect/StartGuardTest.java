package io.exactlyonce.pipeline.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;

/**
 * When the start guard looks for an earlier run, and what it does with what it finds. The lookup
 * itself runs against a real broker and database in it-tests' StartWithoutStateITCase; here a fake
 * lookup counts how often it is asked.
 */
class StartGuardTest {

    private static final List<String> EARLIER_RUN = List.of("committed offsets of a group");

    private final AtomicInteger lookups = new AtomicInteger();

    @Test
    void refusesAStartWithoutStateOverAnEarlierRun() {
        assertThatThrownBy(
                        () ->
                                StartGuard.refuseStartOverEarlierRun(
                                        config(Map.of()),
                                        new Configuration(),
                                        fakeLookup(EARLIER_RUN)))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("committed offsets of a group")
                .hasMessageContaining("flink run -s <newest retained checkpoint")
                .hasMessageContaining("--start.fresh true");
    }

    @Test
    void startsWithoutStateWhenNothingIsLeft() {
        StartGuard.refuseStartOverEarlierRun(
                config(Map.of()), new Configuration(), fakeLookup(List.of()));

        assertThat(lookups).hasValue(1);
    }

    @Test
    void aRestoreIsNotChecked() {
        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, "file:///checkpoints/chk-7");

        StartGuard.refuseStartOverEarlierRun(config(Map.of()), restore, fakeLookup(EARLIER_RUN));

        assertThat(lookups).hasValue(0);
    }

    @Test
    void anIntendedFreshStartIsNotChecked() {
        StartGuard.refuseStartOverEarlierRun(
                config(Map.of("start.fresh", "true")),
                new Configuration(),
                fakeLookup(EARLIER_RUN));

        assertThat(lookups).hasValue(0);
    }

    @Test
    void applicationModeWithHighAvailabilityIsNotChecked() {
        // main() runs again there when the JobManager recovers the job from its checkpoint.
        Configuration application = new Configuration();
        application.set(DeploymentOptions.TARGET, "embedded");
        application.set(HighAvailabilityOptions.HA_MODE, "kubernetes");

        StartGuard.refuseStartOverEarlierRun(
                config(Map.of()), application, fakeLookup(EARLIER_RUN));

        assertThat(lookups).hasValue(0);
    }

    @Test
    void applicationModeWithoutHighAvailabilityIsChecked() {
        Configuration application = new Configuration();
        application.set(DeploymentOptions.TARGET, "embedded");

        assertThatThrownBy(
                        () ->
                                StartGuard.refuseStartOverEarlierRun(
                                        config(Map.of()), application, fakeLookup(EARLIER_RUN)))
                .isInstanceOf(InvalidJobConfigException.class);
    }

    @Test
    void takesOnlyTheKafkaSinksOwnTransactionalIdsForThisJobs() {
        assertThat(StartGuard.isTransactionOf("shop-late", "shop-late-0-7")).isTrue();
        assertThat(StartGuard.isTransactionOf("shop-late", "shop-late-12-1042")).isTrue();
        // Job "shop-late" names its counts sink "shop-late-counts": not job "shop"'s late sink.
        assertThat(StartGuard.isTransactionOf("shop-late", "shop-late-counts-0-7")).isFalse();
        assertThat(StartGuard.isTransactionOf("shop-late", "shop-late-0")).isFalse();
        assertThat(StartGuard.isTransactionOf("shop-late", "shop-lately-0-7")).isFalse();
    }

    @Test
    void brokersThatDoNotResolveAreARefusalWithAMessage() {
        JobSettings config =
                config(Map.of("kafka.bootstrap-servers", "no-such-broker.invalid:9092"));

        assertThatThrownBy(() -> StartGuard.earlierRunTraces(config))
                .isInstanceOf(StartGuard.StartRefusedException.class)
                .hasMessageStartingWith("Cannot check the Kafka cluster for an earlier run");
    }

    private Supplier<List<String>> fakeLookup(List<String> traces) {
        return () -> {
            lookups.incrementAndGet();
            return traces;
        };
    }

    private static JobSettings config(Map<String, String> extra) {
        Map<String, String> options =
                new HashMap<>(
                        Map.of(
                                "kafka.bootstrap-servers", "broker:9092",
                                "schema-registry.url", "http://registry:8081",
                                "jdbc.url", "jdbc:mysql://db:3306/visits",
                                "jdbc.user", "visit_count",
                                "job.id", "shop-eu"));
        options.putAll(extra);
        return JobSettings.of(options, "");
    }
}
