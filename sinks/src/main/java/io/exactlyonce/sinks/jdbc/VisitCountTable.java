package io.exactlyonce.sinks.jdbc;

import io.exactlyonce.model.avro.UserVisitCount;

/**
 * The {@code visit_counts} table: one row per (user, window).
 *
 * <p>The write is an upsert that counts its own writes in {@code write_count}. Exactly-once
 * leaves every row at 1; a replayed write (what at-least-once does after a failure) raises it to
 * 2 instead of failing on the primary key, so a duplicate is visible in the data rather than
 * turning into a restart loop.
 */
public final class VisitCountTable {

    public static final String TABLE = "visit_counts";

    /**
     * The longest user id, in characters (Unicode code points), that the table's {@code user_id}
     * column holds. The decoder dead-letters longer ids, so no batch can fail on one.
     */
    public static final int USER_ID_MAX_LENGTH = 128;

    public static final String CREATE_TABLE =
            "CREATE TABLE IF NOT EXISTS "
                    + TABLE
                    + " ("
                    // Binary: user ids that differ only in case are different users, never one row.
                    + "user_id VARCHAR(" + USER_ID_MAX_LENGTH + ") CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, "
                    + "window_start BIGINT NOT NULL, "
                    + "window_end BIGINT NOT NULL, "
                    + "visit_count BIGINT NOT NULL, "
                    + "write_count INT NOT NULL DEFAULT 1, "
                    + "PRIMARY KEY (user_id, window_start)"
                    + ") ENGINE=InnoDB";

    static final String UPSERT =
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
