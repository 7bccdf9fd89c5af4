package io.exactlyonce.model.registry;

/**
 * The registry could not be asked: connection refused, timeout, interrupted, or a 5xx answer.
 * Transient: the caller should retry or fail (and let the job restart from its checkpoint), never
 * treat the record it was decoding as bad.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {

    public SchemaRegistryUnavailableException(String message) {
        super(message);
    }

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
