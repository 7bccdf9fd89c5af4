package io.exactlyonce.pipeline.config;

/** The job's parameters are missing, malformed or unsafe; the message says which and why. */
public class InvalidJobConfigException extends IllegalArgumentException {

    public InvalidJobConfigException(String message) {
        super(message);
    }

    public InvalidJobConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
