package io.exactlyonce.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The command's exit codes and one-line refusals, without any service. */
class AuditCommandTest {

    private static final String[] JOB = {
        "--kafka.bootstrap-servers", "127.0.0.1:9",
        "--schema-registry.url", "http://127.0.0.1:9",
        "--jdbc.url", "jdbc:mysql://127.0.0.1:9/visits",
        "--jdbc.user", "visit_count",
        "--job.id", "shop-eu",
        "--window.size", "1 min"
    };

    /** A closed, aligned range. */
    private static final String[] HOUR = {
        "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T01:00:00Z"
    };

    private static String[] append(String[] args, String... more) {
        String[] all = Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** The command with the job's options and {@code more}. */
    private int audit(String... more) {
        return execute(append(JOB, more));
    }

    private int execute(String[] args) {
        return Audit.execute(
                args,
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBadOptionIsOneLineAndExitCodeTwo() {
        int exit = audit("--from", "yesterday", "--to", "2026-01-01T00:00:00Z");

        assertThat(exit).isEqualTo(2);
        assertThat(errors())
                .isEqualTo(
                        "audit: --from: 'yesterday' is not an ISO-8601 instant such as"
                                + " 2026-01-31T13:00:00Z"
                                + System.lineSeparator());
        assertThat(out.size()).isZero();
    }

    @Test
    void aMissingRangeAnUnknownOptionAndAPasswordParameterAreRefusedTheSameWay() {
        assertThat(audit("--to", "2026-01-01T00:00:00Z")).isEqualTo(2);
        assertThat(audit(append(HOUR, "--colour", "red"))).isEqualTo(2);
        assertThat(audit(append(HOUR, "--jdbc.password", "secret"))).isEqualTo(2);

        assertThat(errors().lines())
                .hasSize(3)
                .allMatch(line -> line.startsWith("audit: "))
                .anyMatch(line -> line.contains("missing required option --from"))
                .anyMatch(line -> line.contains("unknown option 'colour'"))
                .anyMatch(line -> line.contains("'jdbc.password' is refused"));
    }

    @Test
    void aRangeNotYetClosedIsAUsageError() {
        int exit = audit("--from", "2026-01-01T00:00:00Z", "--to", "2999-01-01T00:00:00Z");

        assertThat(exit).isEqualTo(2);
        assertThat(errors()).contains("is not closed yet").hasLineCount(1);
    }

    @Test
    void anUnreachableBrokerIsOneLineNamingItAndExitCodeThree() throws IOException {
        String nobody;
        try (ServerSocket closed = new ServerSocket(0)) {
            nobody = "127.0.0.1:" + closed.getLocalPort();
        }

        int exit =
                audit(
                        "--kafka.bootstrap-servers",
                        nobody,
                        "--from",
                        "2026-01-01T00:00:00Z",
                        "--to",
                        "2026-01-01T01:00:00Z",
                        "--timeout",
                        "2 s");

        assertThat(exit).isEqualTo(3);
        assertThat(errors())
                .startsWith("audit: cannot read visits from the Kafka brokers at " + nobody)
                .hasLineCount(1);
        assertThat(out.size()).isZero();
    }

    @Test
    void helpListsTheJobsOptionsAndTheAuditsAndExitsZero() {
        int exit = execute(new String[] {"--help"});

        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("--kafka.input-topic", "--from", "--to", "--progress", "Exit codes");
    }
}
