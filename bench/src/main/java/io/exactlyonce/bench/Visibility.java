package io.exactlyonce.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * When each (user, window) result became visible to one reader, as milliseconds after the window's
 * end plus the out-of-orderness: the earliest moment the job may fire the window.
 */
final class Visibility {

    private final String reader;
    private final long outOfOrdernessMillis;
    private final Map<Long, Integer> rowsPerWindowEnd = new HashMap<>();
    private long[] delays = new long[1024];
    private long[] windowEnds = new long[1024];
    private int size;

    Visibility(String reader, long outOfOrdernessMillis) {
        this.reader = reader;
        this.outOfOrdernessMillis = outOfOrdernessMillis;
    }

    String reader() {
        return reader;
    }

    /**
     * {@code rows} results of the window ending at {@code windowEnd} became visible at {@code now}.
     */
    synchronized void seen(long windowEnd, int rows, long nowMillis) {
        rowsPerWindowEnd.merge(windowEnd, rows, Integer::sum);
        long delay = nowMillis - (windowEnd + outOfOrdernessMillis);
        for (int i = 0; i < rows; i++) {
            if (size == delays.length) {
                delays = Arrays.copyOf(delays, size * 2);
                windowEnds = Arrays.copyOf(windowEnds, size * 2);
            }
            delays[size] = delay;
            windowEnds[size++] = windowEnd;
        }
        notifyAll();
    }

    /**
     * Waits until each window has at least the rows expected of it; false when the time is up or
     * the job stopped running first.
     */
    synchronized boolean awaitRows(
            Map<Long, Integer> expected, long deadlineMillis, BooleanSupplier jobRunning)
            throws InterruptedException {
        while (!hasRows(expected)) {
            long left = deadlineMillis - System.currentTimeMillis();
            if (left <= 0 || !jobRunning.getAsBoolean()) {
                return false;
            }
            // A job that exits sends no notice: look again at least once a second.
            wait(Math.min(left, 1_000));
        }
        return true;
    }

    private boolean hasRows(Map<Long, Integer> expected) {
        return expected.entrySet().stream()
                .allMatch(e -> rowsPerWindowEnd.getOrDefault(e.getKey(), 0) >= e.getValue());
    }

    /** Where the rows of these windows differ from what was expected: missing or duplicated. */
    synchronized String mismatch(Map<Long, Integer> expected) {
        StringBuilder out = new StringBuilder();
        expected.forEach(
                (end, rows) -> {
                    int seen = rowsPerWindowEnd.getOrDefault(end, 0);
                    if (seen != rows) {
                        out.append(
                                String.format(
                                        "%s: window ending %d has %d rows, expected %d; ",
                                        reader, end, seen, rows));
                    }
                });
        return out.toString();
    }

    /** The delays of the rows of these windows, sorted. */
    synchronized long[] delays(Set<Long> windows) {
        long[] selected = new long[size];
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (windows.contains(windowEnds[i])) {
                selected[n++] = delays[i];
            }
        }
        long[] sorted = Arrays.copyOf(selected, n);
        Arrays.sort(sorted);
        return sorted;
    }
}
