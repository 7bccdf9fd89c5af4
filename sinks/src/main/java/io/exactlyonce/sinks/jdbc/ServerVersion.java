package io.exactlyonce.sinks.jdbc;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server version as {@code SELECT VERSION()} reports it, e.g. {@code 8.0.36}, {@code
 * 11.4.5-MariaDB-log} or {@code 5.5.5-10.6.18-MariaDB}, and whether a prepared XA transaction on
 * that server outlives the connection that prepared it.
 */
record ServerVersion(boolean mariaDb, int major, int minor, int patch) {

    /** The first MariaDB that keeps a prepared XA transaction after a disconnect (MDEV-742). */
    static final ServerVersion MARIADB_MINIMUM = new ServerVersion(true, 10, 5, 2);

    /** The first MySQL that does (bug #12161). Forks such as Percona share MySQL's numbers. */
    static final ServerVersion MYSQL_MINIMUM = new ServerVersion(false, 5, 7, 7);

    private static final Pattern NUMBERS = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    /** What MariaDB 10.x puts before its own version for clients that expect MySQL 5. */
    private static final String MARIADB_REPLICATION_PREFIX = "5.5.5-";

    /** Empty when the string does not start with a version number. */
    static Optional<ServerVersion> parse(String reported) {
        String text = reported.strip();
        boolean mariaDb = text.toLowerCase(Locale.ROOT).contains("mariadb");
        if (mariaDb && text.startsWith(MARIADB_REPLICATION_PREFIX)) {
            text = text.substring(MARIADB_REPLICATION_PREFIX.length());
        }
        Matcher numbers = NUMBERS.matcher(text);
        if (!numbers.find()) {
            return Optional.empty();
        }
        return Optional.of(
                new ServerVersion(
                        mariaDb,
                        Integer.parseInt(numbers.group(1)),
                        Integer.parseInt(numbers.group(2)),
                        numbers.group(3) == null ? 0 : Integer.parseInt(numbers.group(3))));
    }

    /** The oldest version of this server's kind on which the XA sink's transactions are safe. */
    ServerVersion minimum() {
        return mariaDb ? MARIADB_MINIMUM : MYSQL_MINIMUM;
    }

    boolean keepsPreparedTransactionsAfterDisconnect() {
        ServerVersion minimum = minimum();
        if (major != minimum.major) {
            return major > minimum.major;
        }
        if (minor != minimum.minor) {
            return minor > minimum.minor;
        }
        return patch >= minimum.patch;
    }

    @Override
    public String toString() {
        return (mariaDb ? "MariaDB " : "MySQL ") + major + "." + minor + "." + patch;
    }
}
