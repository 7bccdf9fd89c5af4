package io.exactlyonce.bench;

/**
 * What a scenario's input holds, for checking every run: the count of each (user, window) cell, and
 * a checksum over the decoded visits for the systems that only read.
 */
public final class Oracle {

    /** Users whose visits only advance event time at the end of each partition. */
    public static final String FLUSH_USER_PREFIX = "~flush-";

    private final Scenario scenario;
    private final long firstWindowStart;
    private final long windowMillis;
    private final int[] counts;
    private long checksum;
    private long records;

    Oracle(Scenario scenario, long firstWindowStart, long windowMillis) {
        this.scenario = scenario;
        this.firstWindowStart = firstWindowStart;
        this.windowMillis = windowMillis;
        this.counts = new int[Math.multiplyExact(scenario.users(), scenario.windows())];
    }

    void addVisit(int user, String userId, long eventTime) {
        counts[cell(user, window(eventTime))]++;
        checksum += checksumOf(userId, eventTime);
    }

    void addRecord() {
        records++;
    }

    /** The same per visit in the generator and in a reader: order does not matter. */
    public static long checksumOf(String userId, long eventTime) {
        return userId.hashCode() * 1_000_003L + eventTime;
    }

    public static String userId(int user) {
        return "u" + user;
    }

    /** The user's index, or -1 for an id the generator does not write. */
    public static int user(String userId) {
        if (userId.length() < 2 || userId.charAt(0) != 'u') {
            return -1;
        }
        try {
            return Integer.parseInt(userId, 1, userId.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public int window(long eventTime) {
        return (int) ((eventTime - firstWindowStart) / windowMillis);
    }

    public int cell(int user, int window) {
        return user * scenario.windows() + window;
    }

    public Scenario scenario() {
        return scenario;
    }

    public long firstWindowStart() {
        return firstWindowStart;
    }

    public long windowMillis() {
        return windowMillis;
    }

    /** Expected count of a cell; 0 where the user had no visit in that window. */
    public int count(int cell) {
        return counts[cell];
    }

    public int cells() {
        return counts.length;
    }

    /** Cells with at least one visit: how many results a correct system writes. */
    public int results() {
        int results = 0;
        for (int count : counts) {
            if (count > 0) {
                results++;
            }
        }
        return results;
    }

    public long checksum() {
        return checksum;
    }

    /** Every input record, the end-of-partition visits included. */
    public long records() {
        return records;
    }
}
