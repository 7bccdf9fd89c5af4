package io.exactlyonce.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The (user, window) counts one reader received, checked against what was written: every user that
 * visited a window once, with its number of visits, and nobody else.
 */
final class WindowResults {

    private static final int EXAMPLES = 3;

    private final String reader;
    private final Map<Long, Map<Integer, Long>> countsPerWindowEnd = new HashMap<>();
    private final Map<Long, Integer> repeatsPerWindowEnd = new HashMap<>();

    WindowResults(String reader) {
        this.reader = reader;
    }

    /** One result row; {@code times} above 1 for a row that says it was written more than once. */
    synchronized void add(long windowEnd, String userId, long count, int times) {
        Long before =
                countsPerWindowEnd
                        .computeIfAbsent(windowEnd, end -> new HashMap<>())
                        .put(Oracle.user(userId), count);
        int repeats = (before == null ? 0 : 1) + Math.max(0, times - 1);
        if (repeats > 0) {
            repeatsPerWindowEnd.merge(windowEnd, repeats, Integer::sum);
        }
    }

    /** What differs from the visits written, per user, in these windows; empty when nothing. */
    synchronized List<String> problems(Map<Long, int[]> visitsPerWindowEnd) {
        long missing = 0;
        long extra = 0;
        long wrong = 0;
        long repeated = 0;
        List<String> examples = new ArrayList<>();
        for (Map.Entry<Long, int[]> window : visitsPerWindowEnd.entrySet()) {
            long end = window.getKey();
            int[] visits = window.getValue();
            Map<Integer, Long> counts = countsPerWindowEnd.getOrDefault(end, Map.of());
            repeated += repeatsPerWindowEnd.getOrDefault(end, 0);
            for (int user = 0; user < visits.length; user++) {
                Long count = counts.get(user);
                if (visits[user] > 0 && count == null) {
                    missing++;
                    example(examples, Oracle.userId(user) + " @" + end + " missing");
                } else if (count != null && count != visits[user]) {
                    if (visits[user] == 0) {
                        extra++;
                    } else {
                        wrong++;
                    }
                    example(
                            examples,
                            Oracle.userId(user)
                                    + " @"
                                    + end
                                    + ": "
                                    + count
                                    + ", written "
                                    + visits[user]);
                }
            }
            for (int user : counts.keySet()) {
                if (user < 0 || user >= visits.length) {
                    extra++;
                    example(examples, "user " + user + " @" + end + " was never written");
                }
            }
        }
        if (missing + extra + wrong + repeated == 0) {
            return List.of();
        }
        return List.of(
                String.format(
                        "%s: %d rows missing, %d extra, %d with a wrong count, %d written more"
                                + " than once (e.g. %s)",
                        reader, missing, extra, wrong, repeated, String.join("; ", examples)));
    }

    private static void example(List<String> examples, String example) {
        if (examples.size() < EXAMPLES) {
            examples.add(example);
        }
    }
}
