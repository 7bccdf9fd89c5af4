package io.exactlyonce.sinks;

/** Sink settings that would break exactly-once; the message names the fix. */
public class InvalidSinkSettingsException extends IllegalArgumentException {

    public InvalidSinkSettingsException(String message) {
        super(message);
    }
}
