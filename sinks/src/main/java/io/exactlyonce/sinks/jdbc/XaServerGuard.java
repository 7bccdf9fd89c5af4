package io.exactlyonce.sinks.jdbc;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Refuses a server on which a prepared XA transaction dies with its connection (MySQL before 5.7.7,
 * MariaDB before 10.5.2), and a user who may not run XA RECOVER (MySQL 8 without XA_RECOVER_ADMIN),
 * and a server that does not flush its redo log at every commit. The writer closes its connection
 * right after PREPARE, so on such a server every commit would find nothing to commit and the table
 * would stay empty while the job looks healthy.
 *
 * <p>The refusal suppresses Flink's restarts: neither a server's version nor a user's privileges
 * change by retrying, and a restart loop would only bury the reason. A server that cannot be
 * reached is not refused: that error restarts the job as usual.
 */
final class XaServerGuard {

    /** MySQL's "Access denied; you need (at least one of) the ... privilege(s)". */
    private static final int ER_SPECIFIC_ACCESS_DENIED = 1227;

    private XaServerGuard() {}

    /** Checks the server of {@code settings}; called before the sink writes or commits. */
    static void requireDurablePrepare(JdbcSinkSettings settings) throws IOException {
        requireDurablePrepare(settings, () -> MySqlConnections.open(settings));
    }

    /** Opens the guard's connection; tests pass a fake server. */
    interface ConnectionOpener {
        Connection open() throws SQLException;
    }

    static void requireDurablePrepare(JdbcSinkSettings settings, ConnectionOpener opener)
            throws IOException {
        String reported;
        try (Connection connection = opener.open();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT VERSION()")) {
            result.next();
            reported = result.getString(1);
            refuse(settings, refusal(reported));
            requireXaRecover(settings, statement);
            requireRedoLogFlushedAtCommit(settings, statement);
        } catch (SQLException e) {
            throw new IOException(settings.name() + ": cannot reach the database", e);
        }
    }

    /**
     * The committer needs XA RECOVER whenever a commit meets XAER_NOTA, and it starts before the
     * writer: without this check a missing privilege would surface as Flink's generic "failed to
     * commit after N retries". MariaDB lets every user run it.
     */
    private static void requireXaRecover(JdbcSinkSettings settings, Statement statement)
            throws SQLException {
        try (ResultSet ignored = statement.executeQuery("XA RECOVER")) {
            // Listing is enough; what it lists is settled by the writer.
        } catch (SQLException e) {
            if (e.getErrorCode() != ER_SPECIFIC_ACCESS_DENIED
                    && !String.valueOf(e.getMessage()).contains("XA_RECOVER_ADMIN")) {
                throw e;
            }
            refuse(
                    settings,
                    Optional.of(
                            "user '"
                                    + settings.username()
                                    + "' may not run XA"
                                    + " RECOVER ("
                                    + e.getMessage()
                                    + "). The sink needs it to settle prepared"
                                    + " transactions at start and to tell a committed transaction from a lost"
                                    + " one. On MySQL 8 a DBA runs GRANT XA_RECOVER_ADMIN ON *.* TO '"
                                    + settings.username()
                                    + "'@'%' (the job user's host); then submit the job"
                                    + " again."));
        }
    }

    /**
     * XA PREPARE and XA COMMIT are durable only when the redo log is flushed at each; with 0 or 2
     * InnoDB flushes about once a second, and an OS crash loses what it acknowledged since: rows of
     * a completed checkpoint, or a prepared transaction the committer then cannot find.
     */
    private static void requireRedoLogFlushedAtCommit(
            JdbcSinkSettings settings, Statement statement) throws SQLException {
        try (ResultSet result = statement.executeQuery("SELECT @@innodb_flush_log_at_trx_commit")) {
            result.next();
            String setting = result.getString(1);
            if (!"1".equals(setting)) {
                refuse(
                        settings,
                        Optional.of(
                                "the server runs with innodb_flush_log_at_trx_commit"
                                        + " = "
                                        + setting
                                        + ", so an OS crash can lose an acknowledged XA PREPARE"
                                        + " or XA COMMIT and with it rows of a completed checkpoint. A DBA sets"
                                        + " innodb_flush_log_at_trx_commit = 1 (SET GLOBAL and the server's"
                                        + " configuration); then submit the job again."));
            }
        }
    }

    private static void refuse(JdbcSinkSettings settings, Optional<String> refusal) {
        if (refusal.isPresent()) {
            throw new SuppressRestartsException(
                    new IllegalStateException(settings.name() + ": " + refusal.get()));
        }
    }

    /** Why the XA sink cannot run on a server reporting this version; empty when it can. */
    static Optional<String> refusal(String reportedVersion) {
        String needed =
                "The exactly-once JDBC sink needs "
                        + ServerVersion.MARIADB_MINIMUM
                        + " or newer, or "
                        + ServerVersion.MYSQL_MINIMUM
                        + " or newer";
        Optional<ServerVersion> parsed = ServerVersion.parse(reportedVersion);
        if (parsed.isEmpty()) {
            return Optional.of(
                    "cannot tell the server's version from '"
                            + reportedVersion
                            + "'. "
                            + needed
                            + ".");
        }
        ServerVersion version = parsed.get();
        if (version.keepsPreparedTransactionsAfterDisconnect()) {
            return Optional.empty();
        }
        return Optional.of(
                "the server reports '"
                        + reportedVersion
                        + "' ("
                        + version
                        + "), which rolls back a prepared XA transaction when its connection closes; the"
                        + " sink closes it right after PREPARE, so every commit would be lost. "
                        + needed
                        + ".");
    }
}
