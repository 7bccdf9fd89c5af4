package io.exactlyonce.sinks.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The commit markers: one row per XA transaction of the exactly-once writer, inserted inside that
 * transaction. A marker exists exactly when its transaction committed, so the committer can tell
 * "committed earlier" from "rolled back" when the database no longer knows an id.
 *
 * <p>The key is the transaction id's parts. Only the writer subtask that owns a sink subtask's ids
 * (the same {@code subtask mod parallelism} rule as recovery) deletes that subtask's markers, so
 * two subtasks never lock the same marker rows.
 */
public final class CommitMarkerTable {

    public static final String DEFAULT_TABLE = "xa_commit_markers";

    private CommitMarkerTable() {}

    /**
     * The DDL. The prefix is ASCII by validation ({@code [A-Za-z0-9._-]}), so a binary ASCII column
     * holds it exactly. {@code by_checkpoint} serves the writer's cleanup (a checkpoint band of one
     * prefix, every subtask) and the committer's newest-marker lookup, which would otherwise read
     * every marker of the prefix: a week of markers per subtask by default.
     */
    public static String createTable(String table) {
        return "CREATE TABLE IF NOT EXISTS "
                + table
                + " ("
                + "xid_prefix VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL, "
                + "subtask INT NOT NULL, "
                + "checkpoint_id BIGINT NOT NULL, "
                + "attempt INT NOT NULL, "
                + "PRIMARY KEY (xid_prefix, subtask, checkpoint_id, attempt), "
                + "KEY by_checkpoint (xid_prefix, checkpoint_id)"
                + ") ENGINE=InnoDB";
    }

    /**
     * Whether the marker of a transaction of {@code checkpointId} may have been deleted: the
     * writer's transaction of checkpoint C deletes markers up to C - retention, so once a marker of
     * {@code newestMarkedCheckpoint} exists (that transaction committed), every marker at or below
     * it minus the retention may be gone. Below that horizon a missing marker tells nothing.
     */
    static boolean mayHaveBeenCleanedUp(
            long checkpointId, OptionalLong newestMarkedCheckpoint, int retention) {
        return newestMarkedCheckpoint.isPresent()
                && newestMarkedCheckpoint.getAsLong() - retention >= checkpointId;
    }

    /** The highest checkpoint with a marker of {@code prefix}; the by_checkpoint key finds it. */
    static OptionalLong newestCheckpoint(Connection connection, String table, String prefix)
            throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement(
                        "SELECT MAX(checkpoint_id) FROM " + table + " WHERE xid_prefix = ?")) {
            select.setString(1, prefix);
            try (ResultSet result = select.executeQuery()) {
                result.next();
                long newest = result.getLong(1);
                return result.wasNull() ? OptionalLong.empty() : OptionalLong.of(newest);
            }
        }
    }

    static void insert(Connection connection, String table, SinkXid xid) throws SQLException {
        try (PreparedStatement insert =
                connection.prepareStatement(
                        "INSERT INTO "
                                + table
                                + " (xid_prefix, subtask, checkpoint_id, attempt)"
                                + " VALUES (?, ?, ?, ?)")) {
            bindKey(insert, xid);
            insert.executeUpdate();
        }
    }

    static boolean exists(Connection connection, String table, SinkXid xid) throws SQLException {
        try (PreparedStatement select =
                connection.prepareStatement(
                        "SELECT 1 FROM "
                                + table
                                + " WHERE xid_prefix = ? AND subtask = ? AND checkpoint_id = ?"
                                + " AND attempt = ?")) {
            bindKey(select, xid);
            try (ResultSet result = select.executeQuery()) {
                return result.next();
            }
        }
    }

    /**
     * Deletes the committed markers of the given prefixes with a checkpoint in {@code (above,
     * upTo]} whose subtask this writer subtask owns. The rows are found by a non-locking read and
     * deleted one by one by their key, so the statement never waits on a row another transaction
     * locked, and no gap is locked.
     */
    static int deleteOwned(
            Connection connection,
            String table,
            Set<String> prefixes,
            int subtask,
            int parallelism,
            long above,
            long upTo)
            throws SQLException {
        List<SinkXid> owned = new ArrayList<>();
        try (PreparedStatement select =
                connection.prepareStatement(
                        "SELECT subtask, attempt, checkpoint_id FROM "
                                + table
                                + " WHERE xid_prefix = ? AND checkpoint_id > ? AND checkpoint_id <= ?")) {
            for (String prefix : prefixes) {
                select.setString(1, prefix);
                select.setLong(2, above);
                select.setLong(3, upTo);
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        int markerSubtask = result.getInt(1);
                        if (markerSubtask % parallelism == subtask) {
                            owned.add(
                                    new SinkXid(
                                            prefix,
                                            markerSubtask,
                                            result.getLong(3),
                                            result.getInt(2)));
                        }
                    }
                }
            }
        }
        if (owned.isEmpty()) {
            return 0;
        }
        try (PreparedStatement delete =
                connection.prepareStatement(
                        "DELETE FROM "
                                + table
                                + " WHERE xid_prefix = ? AND subtask = ? AND checkpoint_id = ?"
                                + " AND attempt = ?")) {
            for (SinkXid xid : owned) {
                bindKey(delete, xid);
                delete.addBatch();
            }
            delete.executeBatch();
        }
        return owned.size();
    }

    private static void bindKey(PreparedStatement statement, SinkXid xid) throws SQLException {
        statement.setString(1, xid.prefix());
        statement.setInt(2, xid.subtask());
        statement.setLong(3, xid.checkpointId());
        statement.setInt(4, xid.attempt());
    }
}
