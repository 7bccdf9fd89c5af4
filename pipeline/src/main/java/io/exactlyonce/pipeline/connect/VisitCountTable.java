package io.exactlyonce.pipeline.connect;

import io.exactlyonce.model.UserIds;
import io.exactlyonce.model.avro.UserVisitCount;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.jdbc.XaJdbcSink;

/**
 * The {@code visit_counts} table: one row per (user, window).
 *
 * <p>The write is an upsert that counts its own writes in {@code write_count}. Exactly-once leaves
 * every row at 1; a replayed write (what at-least-once does after a failure) raises it to 2 instead
 * of failing on the primary key, so a duplicate is visible in the data rather than turning into a
 * restart loop.
 *
 * <p>{@link #CREATE_TABLE} is in MariaDB's dialect ({@code utf8mb4_nopad_bin}); {@code
 * deploy/cluster/sql/mysql8.sql} holds the MySQL 8 twin with {@code utf8mb4_0900_bin}, binary and
 * NO PAD as well. A collation rather than a {@code VARBINARY} column: the ids stay readable text,
 * and the column counts characters (code points) as the decoder's limit does.
 */
public final class VisitCountTable {

    public static final String TABLE = "visit_counts";

    /**
     * The longest user id, in characters (Unicode code points), that the table's {@code user_id}
     * column holds: the contract's {@link UserIds#MAX_LENGTH}, which the decoder enforces, so no
     * batch can fail on one.
     */
    public static final int USER_ID_MAX_LENGTH = UserIds.MAX_LENGTH;

    public static final String CREATE_TABLE =
            "CREATE TABLE IF NOT EXISTS "
                    + TABLE
                    + " ("
                    // Binary and NO PAD: ids that differ in case or only in trailing spaces are
                    // different users, as they are to the job, never one row. utf8mb4_bin pads
                    // with spaces, so 'bob' and 'bob ' would be one primary key.
                    + "user_id VARCHAR("
                    + USER_ID_MAX_LENGTH
                    + ") CHARACTER SET utf8mb4"
                    + " COLLATE utf8mb4_nopad_bin NOT NULL, "
                    + "window_start BIGINT NOT NULL, "
                    + "window_end BIGINT NOT NULL, "
                    + "visit_count BIGINT NOT NULL, "
                    + "write_count INT NOT NULL DEFAULT 1, "
                    + "PRIMARY KEY (user_id, window_start)"
                    + ") ENGINE=InnoDB";

    /** The sink's only statement; public so that tests run it against a real server. */
    public static final String UPSERT =
            "INSERT INTO "
                    + TABLE
                    + " (user_id, window_start, window_end, visit_count, write_count)"
                    + " VALUES (?, ?, ?, ?, 1)"
                    + " ON DUPLICATE KEY UPDATE window_end = VALUES(window_end),"
                    + " visit_count = VALUES(visit_count), write_count = write_count + 1";

    private VisitCountTable() {}

    /** The sink of the visit counts into {@code visit_counts}. */
    public static XaJdbcSink<UserVisitCount> sink(JdbcSinkSettings settings) {
        return new XaJdbcSink<>(
                settings,
                UPSERT,
                (statement, count) -> {
                    statement.setString(1, count.getUserId());
                    statement.setLong(2, count.getWindowStart().toEpochMilli());
                    statement.setLong(3, count.getWindowEnd().toEpochMilli());
                    statement.setLong(4, count.getVisitCount());
                });
    }
}
