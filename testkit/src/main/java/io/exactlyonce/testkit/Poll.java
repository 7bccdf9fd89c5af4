package io.exactlyonce.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waits for a condition with a deadline: ends as soon as it holds, fails loudly when it never does. */
public final class Poll {

    private static final Duration INTERVAL = Duration.ofMillis(200);

    private Poll() {}

    /**
     * Evaluates {@code condition} until it returns true; exceptions it throws count as "not yet".
     *
     * @throws IllegalStateException at the deadline, naming what was awaited and the last error
     */
    public static void until(String what, Duration timeout, Callable<Boolean> condition)
            throws InterruptedException {
        until(what, timeout, INTERVAL, condition);
    }

    /** As {@link #until(String, Duration, Callable)}, evaluating every {@code interval}. */
    public static void until(String what, Duration timeout, Duration interval,
            Callable<Boolean> condition) throws InterruptedException {
        Deadline deadline = Deadline.after(timeout);
        Exception lastError = null;
        while (true) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                lastError = e;
            }
            if (deadline.hasExpired()) {
                throw new IllegalStateException(
                        "timed out after " + timeout + " waiting for " + what, lastError);
            }
            deadline.pause(interval);
        }
    }
}
