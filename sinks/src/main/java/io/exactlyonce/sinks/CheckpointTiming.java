package io.exactlyonce.sinks;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * The checkpoint cadence a transactional sink must outlive. Both sinks keep a transaction open
 * from one checkpoint barrier until the checkpoint after it completes, so their timeouts are
 * validated against these two figures.
 */
public record CheckpointTiming(Duration interval, Duration timeout) implements Serializable {

    public CheckpointTiming {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (interval.isNegative() || interval.isZero()) {
            throw new InvalidSinkSettingsException(
                    "checkpoint interval must be positive, got " + interval);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidSinkSettingsException(
                    "checkpoint timeout must be positive, got " + timeout);
        }
    }

    /** The longest a transaction can stay open while checkpoints succeed. */
    public Duration longestOpenTransaction() {
        return interval.plus(timeout);
    }
}
