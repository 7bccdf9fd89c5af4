package io.exactlyonce.examples.revenue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad command line is one line naming the option, not a stack trace from deep inside. */
class SettingsTest {

    private static final String[] REQUIRED = {"--job.id", "shop", "--bootstrap.servers", "k:9092",
        "--schema.registry.url", "http://r", "--jdbc.url", "jdbc:mysql://db/shop",
        "--jdbc.user", "u"};

    @Test
    void readsTheOptionsAndThePasswordFromTheEnvironment() {
        RevenuePerMerchantJob.Settings settings = RevenuePerMerchantJob.Settings.fromArgs(
                REQUIRED, Map.of("JDBC_PASSWORD", "secret"));

        assertThat(settings.jobId()).isEqualTo("shop");
        assertThat(settings.jdbcPassword()).isEqualTo("secret");
        assertThat(settings.windowSize()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void namesAMissingOption() {
        assertThatThrownBy(() -> RevenuePerMerchantJob.Settings.fromArgs(
                        new String[] {"--job.id", "shop"}, Map.of()))
                .hasMessage("missing --bootstrap.servers");
    }

    @Test
    void namesAnOptionThatIsNoNumber() {
        String[] args = new String[REQUIRED.length + 2];
        System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
        args[REQUIRED.length] = "--window.seconds";
        args[REQUIRED.length + 1] = "1m";

        assertThatThrownBy(() -> RevenuePerMerchantJob.Settings.fromArgs(args, Map.of()))
                .hasMessage("--window.seconds must be a whole number of seconds, got '1m'");
    }
}
