package io.exactlyonce.examples.revenue;

import io.exactlyonce.examples.revenue.avro.MerchantRevenue;
import io.exactlyonce.sinks.jdbc.JdbcSinkSettings;
import io.exactlyonce.sinks.jdbc.XaJdbcSink;

/**
 * The {@code merchant_revenue} table, one row per (merchant, window), written through XA. The
 * upsert counts its writes in {@code write_count}: exactly-once leaves every row at 1, and a
 * replayed write would show as 2 instead of failing on the key.
 */
public final class MerchantRevenueTable {

    public static final int MERCHANT_ID_MAX = 64;

    /** MariaDB's dialect; binary NO PAD, so 'acme' and 'acme ' stay two merchants. */
    public static final String CREATE_TABLE = "CREATE TABLE IF NOT EXISTS merchant_revenue ("
            + " merchant_id VARCHAR(" + MERCHANT_ID_MAX + ") CHARACTER SET utf8mb4"
            + " COLLATE utf8mb4_nopad_bin NOT NULL,"
            + " window_start BIGINT NOT NULL, window_end BIGINT NOT NULL,"
            + " revenue_cents BIGINT NOT NULL, orders BIGINT NOT NULL,"
            + " write_count INT NOT NULL DEFAULT 1,"
            + " PRIMARY KEY (merchant_id, window_start)) ENGINE=InnoDB";

    static final String UPSERT = "INSERT INTO merchant_revenue"
            + " (merchant_id, window_start, window_end, revenue_cents, orders)"
            + " VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE window_end = VALUES(window_end),"
            + " revenue_cents = VALUES(revenue_cents), orders = VALUES(orders),"
            + " write_count = write_count + 1";

    private MerchantRevenueTable() {}

    static XaJdbcSink<MerchantRevenue> sink(JdbcSinkSettings settings) {
        return new XaJdbcSink<>(settings, UPSERT, (statement, revenue) -> {
            statement.setString(1, revenue.getMerchantId());
            statement.setLong(2, revenue.getWindowStart().toEpochMilli());
            statement.setLong(3, revenue.getWindowEnd().toEpochMilli());
            statement.setLong(4, revenue.getRevenueCents());
            statement.setLong(5, revenue.getOrders());
        });
    }
}
