package io.exactlyonce.sinks.jdbc;

import io.exactlyonce.sinks.CheckpointTiming;
import io.exactlyonce.sinks.InvalidSinkSettingsException;
import io.exactlyonce.sinks.TransactionalIds;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Where and how the JDBC sink writes. Exactly-once writes through XA on MySQL 5.7.7+ or MariaDB
 * 10.5.2+, the first versions that keep a prepared XA transaction across a disconnect and a
 * restart. {@link Builder#build()} refuses the combinations that silently duplicate or lose data.
 *
 * <p>The password travels inside the job graph (the sink must open connections on the TaskManagers)
 * but is never printed: not by {@link #toString()}, not into Flink's configuration.
 */
public final class JdbcSinkSettings implements Serializable {

    /**
     * Every place mysql-connector-j reads a password from: user info before the host ({@code
     * user:secret@host}), and a {@code password}, {@code password1..3} or {@code pwd} property in
     * the query or a host's key-value list.
     */
    private static final Pattern PASSWORD_IN_URL =
            Pattern.compile(
                    "^jdbc:mysql://[^/?@]*:[^/?@]*@|[?&(,;]\\s*(password[123]?|pwd)\\s*=",
                    Pattern.CASE_INSENSITIVE);

    private static final long serialVersionUID = 1L;

    /** Long enough for any checkpoint cadence the job allows by default; see the getter. */
    public static final Duration DEFAULT_SESSION_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** A week of checkpoints at the default 5 s interval; see the getter. */
    public static final int DEFAULT_COMMIT_MARKER_RETENTION = 7 * 24 * 3600 / 5;

    /** The largest wait_timeout MySQL and MariaDB accept. */
    private static final Duration MAX_SESSION_IDLE_TIMEOUT = Duration.ofDays(365);

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");

    private final String name;
    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final DeliveryGuarantee deliveryGuarantee;
    private final String xidPrefix;
    private final int batchSize;
    private final int maxRetries;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final String commitMarkerTable;
    private final int commitMarkerRetention;
    private final Duration sessionIdleTimeout;

    private JdbcSinkSettings(Builder builder) {
        this.name = builder.name;
        this.jdbcUrl = builder.jdbcUrl;
        this.username = builder.username;
        this.password = builder.password;
        this.deliveryGuarantee = builder.deliveryGuarantee;
        this.xidPrefix = builder.xidPrefix;
        this.batchSize = builder.batchSize;
        this.maxRetries = builder.maxRetries;
        this.connectTimeout = builder.connectTimeout;
        this.socketTimeout = builder.socketTimeout;
        this.commitMarkerTable = builder.commitMarkerTable;
        this.commitMarkerRetention = builder.commitMarkerRetention;
        this.sessionIdleTimeout = builder.sessionIdleTimeout;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String username() {
        return username;
    }

    /**
     * A READ COMMITTED connection with the sink's credentials, for checks outside the sink such as
     * an audit of what it committed; the password itself stays inside.
     */
    public Connection openReadConnection() throws SQLException {
        return MySqlConnections.open(this);
    }

    String password() {
        return password;
    }

    public DeliveryGuarantee deliveryGuarantee() {
        return deliveryGuarantee;
    }

    /** Names this sink's XA transactions; stable across restarts, unique per sink. */
    public String xidPrefix() {
        return xidPrefix;
    }

    public int batchSize() {
        return batchSize;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * How long a read on a connection may wait. Without it, a statement sent into a network
     * partition blocks its task thread until the kernel gives up (many minutes), and Flink can
     * neither checkpoint nor cancel that task meanwhile.
     */
    public Duration socketTimeout() {
        return socketTimeout;
    }

    /** The table of commit markers ({@link CommitMarkerTable}), created by the DDL scripts. */
    public String commitMarkerTable() {
        return commitMarkerTable;
    }

    /**
     * How many checkpoints a commit marker outlives its transaction. A restore from a checkpoint or
     * savepoint older than that finds no marker for an id the database no longer knows, and fails,
     * unable to tell whether that id committed. Long enough to cover savepoint history.
     */
    public int commitMarkerRetention() {
        return commitMarkerRetention;
    }

    /**
     * The server's {@code wait_timeout} for the writer's XA sessions: how long the server keeps one
     * that sends nothing. The writer closes its session right after PREPARE; if that close never
     * reaches the server (a network partition), the session, and with it the prepared transaction,
     * which answers XAER_NOTA to every other session, lives until this timeout ends it. It must
     * exceed the longest idle gap of a writer session, from its first row to its PREPARE, or the
     * server ends a transaction that is still being written.
     */
    public Duration sessionIdleTimeout() {
        return sessionIdleTimeout;
    }

    /**
     * The marker retention in checkpoints that covers {@code retention} of time: checkpoint ids
     * advance at most once per interval (plus savepoints), so at least that long.
     */
    public static int commitMarkerRetentionFor(Duration retention, CheckpointTiming timing) {
        long intervalMillis = timing.interval().toMillis();
        long checkpoints = (retention.toMillis() + intervalMillis - 1) / intervalMillis;
        if (checkpoints < 1 || checkpoints > Integer.MAX_VALUE) {
            throw new InvalidSinkSettingsException(
                    "commit marker retention "
                            + retention
                            + " must be at least one checkpoint interval ("
                            + timing.interval()
                            + ") and at most "
                            + Integer.MAX_VALUE
                            + " intervals");
        }
        return (int) checkpoints;
    }

    /**
     * A session idle timeout for a checkpoint cadence: twice the longest a writer transaction stays
     * open while checkpoints succeed (an upper bound of the gap from its first row to its PREPARE),
     * and never below the default, in whole seconds.
     */
    public static Duration sessionIdleTimeoutFor(CheckpointTiming timing) {
        Duration doubled = timing.longestOpenTransaction().multipliedBy(2);
        Duration seconds = Duration.ofSeconds((doubled.toMillis() + 999) / 1000);
        return seconds.compareTo(DEFAULT_SESSION_IDLE_TIMEOUT) > 0
                ? seconds
                : DEFAULT_SESSION_IDLE_TIMEOUT;
    }

    /** Settings built from the same values are equal. */
    @Override
    public boolean equals(Object other) {
        return other instanceof JdbcSinkSettings that
                && Objects.equals(name, that.name)
                && Objects.equals(jdbcUrl, that.jdbcUrl)
                && Objects.equals(username, that.username)
                && Objects.equals(password, that.password)
                && deliveryGuarantee == that.deliveryGuarantee
                && Objects.equals(xidPrefix, that.xidPrefix)
                && batchSize == that.batchSize
                && maxRetries == that.maxRetries
                && Objects.equals(connectTimeout, that.connectTimeout)
                && Objects.equals(socketTimeout, that.socketTimeout)
                && Objects.equals(commitMarkerTable, that.commitMarkerTable)
                && commitMarkerRetention == that.commitMarkerRetention
                && Objects.equals(sessionIdleTimeout, that.sessionIdleTimeout);
    }

    @Override
    public int hashCode() {
        // Not the password: a hash must not help guess it.
        return Objects.hash(name, jdbcUrl, username, deliveryGuarantee, xidPrefix, batchSize);
    }

    @Override
    public String toString() {
        return "JdbcSinkSettings{name="
                + name
                + ", url="
                + jdbcUrl
                + ", user="
                + username
                + ", guarantee="
                + deliveryGuarantee
                + ", xidPrefix="
                + xidPrefix
                + ", batchSize="
                + batchSize
                + '}';
    }

    /** Builds validated settings. */
    public static final class Builder {
        private final String name;
        private String jdbcUrl;
        private String username;
        private String password = "";
        private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.EXACTLY_ONCE;
        private String xidPrefix;
        private int batchSize = 500;
        private int maxRetries = 0;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration socketTimeout = Duration.ofSeconds(30);
        private String commitMarkerTable = CommitMarkerTable.DEFAULT_TABLE;
        private int commitMarkerRetention = DEFAULT_COMMIT_MARKER_RETENTION;
        private Duration sessionIdleTimeout = DEFAULT_SESSION_IDLE_TIMEOUT;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder jdbcUrl(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
            return this;
        }

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        public Builder password(String password) {
            this.password = password == null ? "" : password;
            return this;
        }

        public Builder deliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = Objects.requireNonNull(deliveryGuarantee);
            return this;
        }

        public Builder xidPrefix(String xidPrefix) {
            this.xidPrefix = xidPrefix;
            return this;
        }

        /** Rows sent to the database in one round trip; the transaction spans many batches. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Retries of a failed batch; only meaningful at least once. */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout);
            return this;
        }

        public Builder socketTimeout(Duration socketTimeout) {
            this.socketTimeout = Objects.requireNonNull(socketTimeout);
            return this;
        }

        public Builder commitMarkerTable(String commitMarkerTable) {
            this.commitMarkerTable = commitMarkerTable;
            return this;
        }

        /** In checkpoints; see {@link JdbcSinkSettings#commitMarkerRetention()}. */
        public Builder commitMarkerRetention(int commitMarkerRetention) {
            this.commitMarkerRetention = commitMarkerRetention;
            return this;
        }

        /** See {@link JdbcSinkSettings#sessionIdleTimeout()}; whole seconds. */
        public Builder sessionIdleTimeout(Duration sessionIdleTimeout) {
            this.sessionIdleTimeout = Objects.requireNonNull(sessionIdleTimeout);
            return this;
        }

        public JdbcSinkSettings build() {
            if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:mysql://")) {
                // Only the scheme: the rest may hold a password.
                throw new InvalidSinkSettingsException(
                        name
                                + ": JDBC URL must be a jdbc:mysql:// URL (MySQL or MariaDB through"
                                + " mysql-connector-j), got "
                                + (jdbcUrl == null ? null : jdbcUrl.split("//", 2)[0] + "//..."));
            }
            if (PASSWORD_IN_URL.matcher(jdbcUrl).find()) {
                throw new InvalidSinkSettingsException(
                        name
                                + ": the JDBC URL carries a password, which would be printed"
                                + " wherever the URL is; remove it and give the password as a"
                                + " file or in the environment");
            }
            if (username == null || username.isBlank()) {
                throw new InvalidSinkSettingsException(name + ": database user must be set.");
            }
            if (batchSize < 1) {
                throw new InvalidSinkSettingsException(
                        name + ": batch size must be at least 1, got " + batchSize);
            }
            if (maxRetries < 0) {
                throw new InvalidSinkSettingsException(
                        name + ": max retries must not be negative, got " + maxRetries);
            }
            if (commitMarkerTable == null || !TABLE_NAME.matcher(commitMarkerTable).matches()) {
                throw new InvalidSinkSettingsException(
                        name
                                + ": commit marker table must match [A-Za-z0-9_]{1,64}, got "
                                + commitMarkerTable);
            }
            if (commitMarkerRetention < 1) {
                throw new InvalidSinkSettingsException(
                        name
                                + ": commit marker retention must be at least 1 checkpoint, got "
                                + commitMarkerRetention);
            }
            if (sessionIdleTimeout.compareTo(Duration.ofSeconds(1)) < 0
                    || sessionIdleTimeout.compareTo(MAX_SESSION_IDLE_TIMEOUT) > 0
                    || sessionIdleTimeout.toMillis() % 1000 != 0) {
                throw new InvalidSinkSettingsException(
                        name
                                + ": session idle timeout must be whole seconds between 1 s and "
                                + MAX_SESSION_IDLE_TIMEOUT.toDays()
                                + " days (the server's"
                                + " wait_timeout), got "
                                + sessionIdleTimeout);
            }
            switch (deliveryGuarantee) {
                case EXACTLY_ONCE:
                    TransactionalIds.requireValidPrefix(name, xidPrefix);
                    if (maxRetries != 0) {
                        throw new InvalidSinkSettingsException(
                                name
                                        + ": XA exactly-once needs max retries 0: a retried batch"
                                        + " is replayed inside the same transaction and"
                                        + " duplicates rows. Recovery is Flink's restart from"
                                        + " the last checkpoint; set max retries to 0.");
                    }
                    break;
                case AT_LEAST_ONCE:
                    break;
                default:
                    throw new InvalidSinkSettingsException(
                            name + ": delivery guarantee NONE may lose data; use EXACTLY_ONCE.");
            }
            return new JdbcSinkSettings(this);
        }
    }
}
