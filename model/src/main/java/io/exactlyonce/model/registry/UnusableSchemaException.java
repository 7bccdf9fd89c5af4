package io.exactlyonce.model.registry;

/**
 * The registry answered for a schema id, but with nothing an Avro reader can use: a schema of
 * another type (JSON, Protobuf), a schema that does not parse, or an error about that id other than
 * "not found". Permanent for that id, like {@link SchemaNotFoundException}: a record naming it is
 * poison, not a hiccup.
 */
public class UnusableSchemaException extends SchemaRegistryException {

    public UnusableSchemaException(String message) {
        super(message);
    }

    public UnusableSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
