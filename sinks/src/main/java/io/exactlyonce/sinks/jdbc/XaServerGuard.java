package io.exactlyonce.sinks.jdbc;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Refuses a server on which a prepared XA transaction dies with its connection (MySQL before
 * 5.7.7, MariaDB before 10.5.2). The writer closes its connection right after PREPARE, so on
 * such a server every commit would find nothing to commit and the table would stay empty while
 * the job looks healthy.
 *
 * <p>The refusal suppresses Flink's restarts: a server's version does not change by retrying,
 * and a restart loop would only bury the reason. A server that cannot be reached is not refused:
 * that error restarts the job as usual.
 */
final class XaServerGuard {

    private XaServerGuard() {}

    /** Checks the server of {@code settings}; called before the sink writes or commits. */
    static void requireDurablePrepare(JdbcSinkSettings settings) throws IOException {
        String reported;
        try (Connection connection = MySqlConnections.open(settings);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT VERSION()")) {
            result.next();
            reported = result.getString(1);
        } catch (SQLException e) {
            throw new IOException(settings.name() + ": cannot reach the database", e);
        }
        Optional<String> refusal = refusal(reported);
        if (refusal.isPresent()) {
            throw new SuppressRestartsException(
                    new IllegalStateException(settings.name() + ": " + refusal.get()));
        }
    }

    /** Why the XA sink cannot run on a server reporting this version; empty when it can. */
    static Optional<String> refusal(String reportedVersion) {
        String needed =
                "The exactly-once JDBC sink needs " + ServerVersion.MARIADB_MINIMUM + " or newer, or "
                        + ServerVersion.MYSQL_MINIMUM + " or newer";
        Optional<ServerVersion> parsed = ServerVersion.parse(reportedVersion);
        if (parsed.isEmpty()) {
            return Optional.of("cannot tell the server's version from '" + reportedVersion
                    + "'. " + needed + ".");
        }
        ServerVersion version = parsed.get();
        if (version.keepsPreparedTransactionsAfterDisconnect()) {
            return Optional.empty();
        }
        return Optional.of("the server reports '" + reportedVersion + "' (" + version
                + "), which rolls back a prepared XA transaction when its connection closes; the"
                + " sink closes it right after PREPARE, so every commit would be lost. " + needed
                + ".");
    }
}
