package io.exactlyonce.testkit.verify;

/** One (key, window) cell of a job's result: a user's visits, a merchant's revenue, ... */
public record KeyWindow(String key, long windowStart) implements Comparable<KeyWindow> {

    @Override
    public int compareTo(KeyWindow other) {
        int byWindow = Long.compare(windowStart, other.windowStart);
        return byWindow != 0 ? byWindow : key.compareTo(other.key);
    }

    @Override
    public String toString() {
        return key + "@" + windowStart;
    }
}
