package io.exactlyonce.sinks;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Rules for the prefixes that name a sink's transactions (Kafka transactional ids, XA global
 * transaction ids). A prefix identifies a sink across restarts: it must be stable, and no two sinks
 * may share one, or each would abort or commit the other's transactions.
 */
public final class TransactionalIds {

    /**
     * Printable, shell- and SQL-safe; short enough to leave room for subtask and checkpoint ids in
     * an XA global transaction id (64 bytes).
     */
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    /** Kafka transactional ids have no such budget: room for a job id and a sink name. */
    private static final Pattern KAFKA_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private TransactionalIds() {}

    public static String requireValidPrefix(String sinkName, String prefix) {
        return requireValidPrefix(sinkName, prefix, PREFIX, 32);
    }

    /** As {@link #requireValidPrefix}, for a Kafka transactional id prefix (up to 64). */
    public static String requireValidKafkaPrefix(String sinkName, String prefix) {
        return requireValidPrefix(sinkName, prefix, KAFKA_PREFIX, 64);
    }

    private static String requireValidPrefix(
            String sinkName, String prefix, Pattern pattern, int maxLength) {
        if (prefix == null || prefix.isBlank()) {
            throw new InvalidSinkSettingsException(
                    sinkName
                            + ": an exactly-once sink needs a transactional id prefix that is unique"
                            + " to this sink and stable across restarts; set one explicitly.");
        }
        if (!pattern.matcher(prefix).matches()) {
            throw new InvalidSinkSettingsException(
                    sinkName
                            + ": transactional id prefix '"
                            + prefix
                            + "' must be 1-"
                            + maxLength
                            + " characters of [A-Za-z0-9._-].");
        }
        return prefix;
    }

    /**
     * Refuses two sinks with the same prefix. Sinks of different systems (Kafka, XA) are refused
     * too: their namespaces are separate, but one string for two sinks is a copied setting, and the
     * next copy may well land on a sink of the same system.
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
                                        + "': sinks of one system would abort each other's"
                                        + " transactions on recovery. Give every sink its own"
                                        + " prefix.");
                    }
                });
    }
}
