package io.exactlyonce.testkit.verify;

/** One (user, window) cell of the result. */
public record UserWindow(String userId, long windowStart) implements Comparable<UserWindow> {

    @Override
    public int compareTo(UserWindow other) {
        int byWindow = Long.compare(windowStart, other.windowStart);
        return byWindow != 0 ? byWindow : userId.compareTo(other.userId);
    }

    @Override
    public String toString() {
        return userId + "@" + windowStart;
    }
}
