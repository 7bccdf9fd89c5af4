package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.sinks.InvalidSinkSettingsException;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JdbcSinkSettingsTest {

    private static JdbcSinkSettings.Builder valid() {
        return JdbcSinkSettings.builder("visit_counts")
                .jdbcUrl("jdbc:mysql://db:3306/visits")
                .username("visit_count")
                .password("secret")
                .xidPrefix("visit-count");
    }

    @Test
    void refusesRetriesWithXa() {
        assertThatThrownBy(() -> valid().maxRetries(3).build())
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("max retries 0");
    }

    @Test
    void allowsRetriesAtLeastOnce() {
        JdbcSinkSettings settings =
                valid().deliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE).maxRetries(3).build();

        assertThat(settings.maxRetries()).isEqualTo(3);
    }

    @Test
    void refusesAMissingXidPrefix() {
        assertThatThrownBy(() -> valid().xidPrefix(null).build())
                .isInstanceOf(InvalidSinkSettingsException.class);
    }

    @Test
    void refusesANonMySqlUrl() {
        assertThatThrownBy(() -> valid().jdbcUrl("jdbc:postgresql://db/visits").build())
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("jdbc:mysql://");
    }

    @Test
    void refusesACommitMarkerTableThatIsNoPlainName() {
        assertThatThrownBy(() -> valid().commitMarkerTable("markers; DROP TABLE x").build())
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("commit marker table");
        assertThat(valid().build().commitMarkerTable()).isEqualTo("xa_commit_markers");
    }

    @Test
    void refusesACommitMarkerRetentionBelowOne() {
        assertThatThrownBy(() -> valid().commitMarkerRetention(0).build())
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("retention");
    }

    /**
     * A restore from a savepoint taken days ago re-commits its committables and needs their
     * markers: the default keeps them a week of checkpoints at the default 5 s interval.
     */
    @Test
    void keepsCommitMarkersForAWeekOfDefaultCheckpointsByDefault() {
        long weekOfCheckpoints = java.time.Duration.ofDays(7).toSeconds() / 5;

        assertThat((long) valid().build().commitMarkerRetention())
                .isGreaterThanOrEqualTo(weekOfCheckpoints);
    }

    @Test
    void neverPrintsThePassword() {
        assertThat(valid().build().toString()).doesNotContain("secret");
    }

    /**
     * A password in the URL would be printed wherever the URL is (logs, the web UI's job
     * configuration, error messages): it belongs in the password file. Every form the MySQL driver
     * reads a password from is refused, and the refusal does not repeat it.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "jdbc:mysql://db:3306/visits?user=visit_count&password=hunter2",
                "jdbc:mysql://db:3306/visits?sslMode=REQUIRED&Password=hunter2",
                "jdbc:mysql://db:3306/visits?password1=hunter2",
                "jdbc:mysql://visit_count:hunter2@db:3306/visits",
                "jdbc:mysql://address=(host=db)(port=3306)(password=hunter2)/visits",
                "jdbc:mysql://(host=db,password=hunter2)/visits",
                "jdbc:mysql://db:3306/visits?user=visit_count&pwd=hunter2"
            })
    void refusesAPasswordInTheUrlWithoutRepeatingIt(String url) {
        assertThatThrownBy(() -> valid().jdbcUrl(url).build())
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("password")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void refusesAnotherSchemeWithoutRepeatingItsPassword() {
        assertThatThrownBy(
                        () ->
                                valid().jdbcUrl("jdbc:postgresql://db/visits?password=hunter2")
                                        .build())
                .isInstanceOf(InvalidSinkSettingsException.class)
                .hasMessageContaining("jdbc:mysql://")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void acceptsAUrlWithoutPassword() {
        assertThat(
                        valid().jdbcUrl("jdbc:mysql://db:3306/visits?sslMode=VERIFY_IDENTITY")
                                .build()
                                .jdbcUrl())
                .isEqualTo("jdbc:mysql://db:3306/visits?sslMode=VERIFY_IDENTITY");
    }
}
