package io.exactlyonce.pipeline.config;

import java.time.Duration;

/**
 * The job's restart strategy: exponential delay that starts over once the job has run {@code
 * resetAfter} without a failure, so the attempts bound a burst of failures, not the job's life.
 *
 * @param attempts restarts in a row before the job fails for good
 * @param recoveryTime how long a restart takes to redeploy and restore after its pause
 */
public record RestartBackoff(
        int attempts,
        Duration initialBackoff,
        Duration maxBackoff,
        double multiplier,
        Duration resetAfter,
        double jitter,
        Duration recoveryTime) {

    public RestartBackoff {
        if (attempts < 1) {
            throw new IllegalArgumentException("restart.attempts must be at least 1");
        }
        if (initialBackoff.isNegative() || initialBackoff.isZero()) {
            throw new IllegalArgumentException("restart.initial-backoff must be positive");
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException(
                    "restart.max-backoff must not be below restart.initial-backoff");
        }
        if (!(multiplier >= 1.0)) {
            throw new IllegalArgumentException("restart.backoff-multiplier must be at least 1");
        }
        if (resetAfter.isNegative() || resetAfter.isZero()) {
            throw new IllegalArgumentException("restart.reset-after must be positive");
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("restart.jitter must be between 0 and 1");
        }
        if (recoveryTime.isNegative()) {
            throw new IllegalArgumentException("restart.recovery-time must not be negative");
        }
    }

    /** From the failure to the restored job running: Flink caps every pause at the max backoff. */
    public Duration longestRestart() {
        return maxBackoff.plus(recoveryTime);
    }
}
