package io.exactlyonce.sinks;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The checkpoint cadence a transactional sink must outlive. Both sinks keep a transaction open from
 * one checkpoint barrier until the checkpoint after it completes, so their timeouts are validated
 * against these figures.
 */
public record CheckpointTiming(Duration interval, Duration timeout, Duration minPause)
        implements Serializable {

    public CheckpointTiming {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(minPause, "minPause");
        if (interval.isNegative() || interval.isZero()) {
            throw new InvalidSinkSettingsException(
                    "checkpoint interval must be positive, got " + interval);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidSinkSettingsException(
                    "checkpoint timeout must be positive, got " + timeout);
        }
        if (minPause.isNegative()) {
            throw new InvalidSinkSettingsException(
                    "checkpoint min pause must not be negative, got " + minPause);
        }
    }

    /**
     * The longest a transaction can stay open while checkpoints succeed, restarts not counted.
     *
     * <p>The writer opens the transaction right after its snapshot of checkpoint C, at C's trigger
     * at the earliest (time 0). C completes by its timeout T. C+1, which carries the transaction,
     * is triggered no later than max(interval after C's trigger, min pause after C completed) =
     * max(I, T + P), takes up to T, and its completion is what commits the transaction: max(I, T +
     * P) + T in all.
     */
    public Duration longestOpenTransaction() {
        Duration nextTrigger = timeout.plus(minPause);
        if (interval.compareTo(nextTrigger) > 0) {
            nextTrigger = interval;
        }
        return nextTrigger.plus(timeout);
    }
}
