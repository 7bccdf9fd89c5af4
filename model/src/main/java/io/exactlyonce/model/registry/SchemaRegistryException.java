package io.exactlyonce.model.registry;

/**
 * A schema registry call failed. Thrown as is when the registry rejected a request (for example an
 * invalid or incompatible schema); the two subclasses separate the cases a caller must treat
 * differently: {@link SchemaNotFoundException} is permanent, {@link
 * SchemaRegistryUnavailableException} is transient.
 */
public class SchemaRegistryException extends RuntimeException {

    public SchemaRegistryException(String message) {
        super(message);
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
