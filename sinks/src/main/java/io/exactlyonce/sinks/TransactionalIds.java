package io.exactlyonce.sinks;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Rules for the prefixes that name a sink's transactions (Kafka transactional ids, XA global
 * transaction ids). A prefix identifies a sink across restarts: it must be stable, and no two
 * sinks may share one, or each would abort or commit the other's transactions.
 */
public final class TransactionalIds {

    /** Printable, shell- and SQL-safe; short enough to leave room for subtask and checkpoint ids. */
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    private TransactionalIds() {}

    public static String requireValidPrefix(String sinkName, String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw new InvalidSinkSettingsException(
                    sinkName
                            + ": an exactly-once sink needs a transactional id prefix that is unique"
                            + " to this sink and stable across restarts; set one explicitly.");
        }
        if (!PREFIX.matcher(prefix).matches()) {
            throw new InvalidSinkSettingsException(
                    sinkName
                            + ": transactional id prefix '"
                            + prefix
                            + "' must be 1-32 characters of [A-Za-z0-9._-].");
        }
        return prefix;
    }

    /**
     * Refuses two sinks with the same prefix.
     *
     * @param prefixesBySink sink name to the prefix it uses
     */
    public static void requireDistinct(Map<String, String> prefixesBySink) {
        Map<String, String> sinkByPrefix = new HashMap<>();
        prefixesBySink.forEach(
                (sink, prefix) -> {
                    String other = sinkByPrefix.putIfAbsent(prefix, sink);
                    if (other != null) {
                        throw new InvalidSinkSettingsException(
                                "sinks '"
                                        + other
                                        + "' and '"
                                        + sink
                                        + "' share the transactional id prefix '"
                                        + prefix
                                        + "': each would abort the other's transactions on"
                                        + " recovery. Give every sink its own prefix.");
                    }
                });
    }
}
