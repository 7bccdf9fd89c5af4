package io.exactlyonce.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.JobOptions;
import io.exactlyonce.pipeline.config.JobSettings;
import io.exactlyonce.pipeline.config.OptionValues;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditRangeTest {

    /** Windows of a minute; closed 5 s + 60 s + 5 s + 60 s = 130 s after their end. */
    private static final JobSettings JOB =
            JobSettings.of(
                    OptionValues.of(JobOptions.JOB_ID, "shop-eu")
                            .with(JobOptions.BOOTSTRAP_SERVERS, "broker:9092")
                            .with(JobOptions.SCHEMA_REGISTRY_URL, "http://registry:8081")
                            .with(JobOptions.JDBC_URL, "jdbc:mysql://db:3306/visits")
                            .with(JobOptions.JDBC_USER, "visit_count")
                            .with(JobOptions.WINDOW_SIZE, Duration.ofMinutes(1))
                            .with(JobOptions.OUT_OF_ORDERNESS, Duration.ofSeconds(5))
                            .with(JobOptions.IDLENESS, Duration.ofSeconds(60))
                            .with(JobOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(5))
                            .with(JobOptions.CHECKPOINT_TIMEOUT, Duration.ofSeconds(60)),
                    "");

    private static final Instant FROM = Instant.parse("2026-01-31T13:00:00Z");
    private static final Instant TO = Instant.parse("2026-01-31T14:00:00Z");

    @Test
    void acceptsWholeWindowsClosedByTheJobsRules() {
        Instant closed = TO.plusSeconds(130);

        AuditRange range = AuditRange.of(FROM, TO, JOB, closed);

        assertThat(range.containsWindow(FROM.toEpochMilli())).isTrue();
        assertThat(range.containsWindow(TO.minusSeconds(60).toEpochMilli())).isTrue();
        assertThat(range.containsWindow(TO.toEpochMilli())).isFalse();
        assertThat(range.containsWindow(FROM.minusSeconds(60).toEpochMilli())).isFalse();
    }

    @Test
    void refusesAnEndTheJobMayNotHaveCommittedYetAndSaysWhen() {
        Instant justBefore = TO.plusSeconds(130).minusMillis(1);

        assertThatThrownBy(() -> AuditRange.of(FROM, TO, JOB, justBefore))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessageContaining("not closed yet")
                .hasMessageContaining(
                        "to + watermark.out-of-orderness + watermark.idleness +"
                                + " checkpoint.interval + checkpoint.timeout")
                .hasMessageContaining("2026-01-31T14:02:10Z");
    }

    @Test
    void refusesEndsOffAWindowBoundaryAndNamesTheNearestOnes() {
        Instant now = TO.plus(Duration.ofDays(1));

        assertThatThrownBy(() -> AuditRange.of(FROM.plusSeconds(30), TO, JOB, now))
                .hasMessage(
                        "--from 2026-01-31T13:00:30Z is not a window boundary: windows of 1 min"
                                + " start at multiples of it since the epoch, e.g."
                                + " 2026-01-31T13:00:00Z or 2026-01-31T13:01:00Z");
        assertThatThrownBy(() -> AuditRange.of(FROM, TO.plusMillis(1), JOB, now))
                .hasMessageStartingWith("--to 2026-01-31T14:00:00.001Z is not a window boundary");
    }

    @Test
    void refusesAnEmptyOrReversedRange() {
        Instant now = TO.plus(Duration.ofDays(1));

        assertThatThrownBy(() -> AuditRange.of(TO, TO, JOB, now))
                .hasMessageContaining("must be before --to");
        assertThatThrownBy(() -> AuditRange.of(TO, FROM, JOB, now))
                .hasMessageContaining("must be before --to");
    }

    @Test
    void windowStartsAsTheJobsTumblingWindowsAssignThem() {
        Duration minute = Duration.ofMinutes(1);

        assertThat(AuditRange.windowStart(FROM.toEpochMilli() + 59_999, minute))
                .isEqualTo(FROM.toEpochMilli());
        assertThat(AuditRange.windowStart(-1, minute)).isEqualTo(-60_000);
    }

    @Test
    void refusesATimeThatIsNoInstant() {
        assertThatThrownBy(() -> AuditRange.parse("from", "yesterday"))
                .hasMessage(
                        "--from: 'yesterday' is not an ISO-8601 instant such as"
                                + " 2026-01-31T13:00:00Z");
    }
}
