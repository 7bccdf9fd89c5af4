package io.exactlyonce.testkit;

import java.time.Duration;

/**
 * The end of a bounded wait. Polling loops check a condition, and between attempts pause for a
 * short interval, but never past the deadline: a wait ends as soon as its condition holds, and
 * fails at the deadline instead of hanging.
 */
public final class Deadline {

    private final Duration timeout;
    private final long endNanos;

    private Deadline(Duration timeout) {
        this.timeout = timeout;
        this.endNanos = System.nanoTime() + timeout.toNanos();
    }

    public static Deadline after(Duration timeout) {
        return new Deadline(timeout);
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    public boolean hasExpired() {
        return endNanos - System.nanoTime() <= 0;
    }

    /** Pauses between two attempts of a poll: for {@code interval}, or less if time runs out. */
    public void pause(Duration interval) throws InterruptedException {
        long millis = Math.min(interval.toMillis(), remaining().toMillis());
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
